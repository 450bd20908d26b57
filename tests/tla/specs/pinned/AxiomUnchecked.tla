------------------------------ MODULE AxiomUnchecked ------------------------------
(* TLC checks each ASSUME (ASSUMPTION), never an AXIOM: this one, an unbounded \A,   *)
(* would stop TLC if evaluated.                                                    *)
EXTENDS Naturals
AXIOM Induction == \A f : f[0] /\ (\A n \in Nat : f[n] => f[n + 1]) => \A n \in Nat : f[n]
ASSUMPTION Small == 2 \in 0..3
VARIABLE x
Init == x = 0
Next == x' = 1 - x
====================================================================================
