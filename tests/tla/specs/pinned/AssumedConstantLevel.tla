---- MODULE AssumedConstantLevel ----
\* SANY's level check of a substitution: a constant the inner module's ASSUME names may be
\* replaced by an action, not by a temporal formula.
EXTENDS Naturals
VARIABLE x
---- MODULE Inner ----
CONSTANT C
ASSUME C \in BOOLEAN
====
Good == INSTANCE Inner WITH C <- (x' = x)
Bad == INSTANCE Inner WITH C <- [](x = 0)
Init == x = 0
Next == x' = x
====
