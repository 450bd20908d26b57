---- MODULE MissingRecursive ----
\* SANY: an operator that calls itself must be declared RECURSIVE first.
EXTENDS Naturals
VARIABLE x
Sum(n) == IF n = 0 THEN 0 ELSE n + Sum(n - 1)
Init == x = Sum(3)
Next == x' = x
====
