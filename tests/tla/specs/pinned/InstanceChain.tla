----------------------------- MODULE InstanceChain -----------------------------
(* Nat reaches this module by EXTENDS Naturals and through INSTANCE             *)
(* InstanceChainMid, which has it from INSTANCE InstanceChainLeaf (both with    *)
(* parameters): one definition of a module without parameters, not a symbol     *)
(* defined twice (tlaplus/Examples' dag-consensus Sailfish models).             *)
EXTENDS Naturals
CONSTANT C
VARIABLE x
INSTANCE InstanceChainMid
Init == x = Scaled(2)
Next == x < 10 /\ x' = x + 1
Inv == x \in Nat /\ x >= 6
================================================================================
