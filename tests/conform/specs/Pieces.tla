---- MODULE Pieces ----
\* For the validator's tests of invariants checked in pieces: each conjunct of Inv
\* reads other variables, and is re-checked only when one of them changes.
EXTENDS Naturals
VARIABLES a, b, c

Init == a = 0 /\ b = 0 /\ c = 0
Next == a' \in 0..3 /\ b' \in 0..3 /\ c' \in 0..3

Inv == /\ a < 3
       /\ b < 3
       /\ a + b < 5
       /\ c # a
Fine == c < 3
====
