---- MODULE SomethingElse ----
\* SANY: the file's name must be the module's.
VARIABLE x
Init == x = 0
Next == x' = x
====
