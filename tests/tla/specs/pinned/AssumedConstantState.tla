---- MODULE AssumedConstantState ----
\* SANY's level check of a substitution into a module with variables: a constant its ASSUME
\* names must stay a constant.
EXTENDS Naturals
VARIABLE x
---- MODULE Inner ----
CONSTANT C
VARIABLE y
ASSUME C \in BOOLEAN
====
Good == INSTANCE Inner WITH C <- (1 = 1), y <- x
Bad == INSTANCE Inner WITH C <- (x = 0), y <- x
Init == x = 0
Next == x' = x
====
