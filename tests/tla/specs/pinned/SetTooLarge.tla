---- MODULE SetTooLarge ----
\* TLC's bound on the sets it builds (-maxSetSize, 1,000,000 by default; the test runs
\* with 10): the images of a set map count before equal ones merge.
EXTENDS Naturals, FiniteSets
VARIABLE x
Init == x = Cardinality({ n % 2 : n \in 1..11 })
Next == x' = x
====
