---- MODULE VariableInAssume ----
\* SANY: an ASSUME must be a constant expression; this one reads a variable.
EXTENDS Naturals
CONSTANT C
VARIABLE x
ASSUME C = x
Init == x = 0
Next == x' = x
====
