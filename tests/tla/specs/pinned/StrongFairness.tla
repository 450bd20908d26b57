---------------------------- MODULE StrongFairness ----------------------------
(* A is enabled at every other state of a toggling loop. Under SF_vars(A) the    *)
(* loop must take it, so done holds eventually, unless the behavior may stop    *)
(* toggling where A is disabled (no fairness on Toggle): the fair cycle is then *)
(* the stuttering one at x = 0, found inside the loop's component once the      *)
(* state where A is enabled is left out. Under WF_vars(A) the loop is fair.     *)
EXTENDS Naturals
VARIABLES x, done
vars == <<x, done>>
Init == x = 0 /\ done = FALSE
Toggle == ~done /\ x' = 1 - x /\ UNCHANGED done
A == x = 1 /\ ~done /\ done' = TRUE /\ UNCHANGED x
Next == Toggle \/ A
Strong == Init /\ [][Next]_vars /\ WF_vars(Toggle) /\ SF_vars(A)
StrongOnly == Init /\ [][Next]_vars /\ SF_vars(A)
Weak == Init /\ [][Next]_vars /\ WF_vars(Toggle) /\ WF_vars(A)
Done == <>done
================================================================================
