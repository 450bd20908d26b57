---- MODULE Compose ----
EXTENDS Naturals
VARIABLES x, y
Init == x = 0 /\ y = 0
Inc == x < 4 /\ x' = x + 1 /\ y' = y
Halve == y < 3 /\ x' = x \div 2 /\ y' = y + 1
Next == Inc \/ (Inc \cdot Halve) \/ Halve
====
