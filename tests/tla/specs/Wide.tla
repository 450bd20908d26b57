---- MODULE Wide ----
\* Wide levels and every way a search can stop: the parallel explorer must stop where the
\* one-process search stops, with the same figures and the same counterexample.
EXTENDS Naturals
CONSTANTS Bad, Limit, Floor
VARIABLES x, y
Init == x = 0 /\ y \in 0..9
Next == \/ /\ x < 6
           /\ x' = x + 1
           /\ y' \in 0..9
        \/ /\ y > 0
           /\ y' = y - 1
           /\ UNCHANGED x
        \/ /\ x = Bad
           /\ y = 5
           /\ x' = x \div 0
           /\ UNCHANGED y
Inv == x + y < Limit
Grows == [][x' > x => (y' < 9 \/ x < Floor)]_<<x, y>>
Small == x < 4
====
