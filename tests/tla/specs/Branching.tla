---- MODULE Branching ----
\* Successor semantics TLC counts: duplicates from \E and \/ while variables are
\* unassigned, none once all are assigned; x' \in S; UNCHANGED; IF and CASE in actions.
EXTENDS Naturals
CONSTANT N
VARIABLES x, y

Init == x \in 0..1 /\ y = 0

Both == \E i \in 1..2 : x' = (x + i) % N
Dup == /\ (x = 0 \/ x < 5)
       /\ x' = x
       /\ y' = (y + 1) % 2
Late == /\ x' = x
        /\ y' = y
        /\ (x = 0 \/ x < 5)
Pick == /\ y' \in {0, 1}
        /\ IF x > 2 THEN x' = 0 ELSE UNCHANGED x
Sel == CASE x = 0 -> x' = 1 /\ UNCHANGED y
         [] x = 1 -> x' = 2 /\ UNCHANGED y
         [] OTHER -> UNCHANGED <<x, y>>

Next == (Both /\ UNCHANGED y) \/ Dup \/ Late \/ Pick \/ Sel
Spec == Init /\ [][Next]_<<x, y>>
TypeOK == x \in 0..(N-1) /\ y \in {0, 1}
====
