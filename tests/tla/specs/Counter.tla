---- MODULE Counter ----
EXTENDS Naturals
CONSTANT Limit
VARIABLE x
Start == x = 0
Step == x < Limit /\ x' = x + 1
Ok == x <= Limit
====
