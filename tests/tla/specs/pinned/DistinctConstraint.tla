---- MODULE DistinctConstraint ----
\* TLCGet("distinct") and TLCGet("generated") read the search as it goes, and
\* TLCSet("exit", TRUE) stops it.
EXTENDS Naturals, TLC
VARIABLE x
Init == x = 0
Next == x' = x + 1 /\ TLCSet("exit", TLCGet("distinct") >= 6)
Small == TLCGet("generated") < 100
====
