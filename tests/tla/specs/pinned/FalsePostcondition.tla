---- MODULE FalsePostcondition ----
\* A POSTCONDITION is evaluated once the search is done, with TLCGet reading its figures:
\* 5 distinct states were found, not 4, so the run fails.
EXTENDS Naturals, TLC
VARIABLE x
Init == x = 0
Next == x < 4 /\ x' = x + 1
Post == TLCGet("distinct") = 4
====
