---- MODULE WrongArity ----
\* SANY: an operator applied to the wrong number of arguments, in a definition the model
\* never uses.
EXTENDS Naturals
VARIABLE x
Add(a, b) == a + b
Init == x = 0
Next == x' = x
Unused == Add(1)
====
