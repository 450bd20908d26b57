------------------------ MODULE ContinuePastViolation ------------------------
(* With TLC's -continue the search goes on past the violated invariant: the    *)
(* first violation is reported with the figures of the whole state space.      *)
EXTENDS Naturals
VARIABLE x
Init == x \in {0, 1}
Next == x < 5 /\ x' \in {x + 1, x + 2}
Inv == x # 2
================================================================================
