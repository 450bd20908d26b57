---- MODULE Branches ----
\* A small spec for the coverage tests: an action with disjuncts, an IF and a CASE, one
\* disjunct dead under the constant Mode, and a graph small enough to count by hand.
EXTENDS Naturals
CONSTANTS Mode, Limit
VARIABLES x, y

Init == x = 0 /\ y = 0

Step(n) == \/ /\ n = 1
              /\ x' = IF x < Limit THEN x + 1 ELSE 0
              /\ UNCHANGED y
           \/ /\ Mode = "wide"
              /\ x' = x
              /\ y' = 1 - y
           \/ /\ n = 2
              /\ y' = CASE x = 0 -> 0 [] OTHER -> 1
              /\ UNCHANGED x

Flip == IF y = 0 THEN y' = 1 /\ UNCHANGED x ELSE y' = 0 /\ UNCHANGED x

Next == (\E n \in {1, 2} : Step(n)) \/ Flip
====
