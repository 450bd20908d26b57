------------------------------ MODULE OverrideInModule ------------------------------
(* Nat <- [Naturals]Small replaces the definition of Nat that module Naturals makes,  *)
(* so every module extending Naturals sees Small: x stops at 3 (TLC: 4 states).       *)
EXTENDS Naturals
VARIABLE x
Small == 0..2
Init == x = 0
Next == x \in Nat /\ x' = x + 1
=====================================================================================
