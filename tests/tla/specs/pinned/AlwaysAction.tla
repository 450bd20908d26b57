---- MODULE AlwaysAction ----
\* SANY: [] applies to state predicates and temporal formulas, not to an action.
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x' = x + 1
Spec == Init /\ [](x' > x)
====
