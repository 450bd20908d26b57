---------------------------- MODULE FairSubscript ----------------------------
(* Weak fairness of the whole Next under a subscript that leaves y out: a step *)
(* that only toggles y is no <<Next>>_x step, so toggling y forever while x    *)
(* can still count is unfair under WF_x(Next) and fair under WF_vars(Next).   *)
EXTENDS Naturals
VARIABLES x, y
vars == <<x, y>>
Init == x = 0 /\ y = 0
Count == x < 2 /\ x' = x + 1 /\ UNCHANGED y
Toggle == y' = 1 - y /\ UNCHANGED x
Next == Count \/ Toggle
FairX == Init /\ [][Next]_vars /\ WF_x(Next)
FairVars == Init /\ [][Next]_vars /\ WF_vars(Next)
Done == <>(x = 2)
Toggles == []<><<Next>>_y
================================================================================
