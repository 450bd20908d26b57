---------------------- MODULE InnerRedeclaration -------------------------
(* An inner module declares d, which the module around it defined before it:  *)
(* SANY's multiply-defined symbol, reported in this file.                      *)
EXTENDS Naturals
VARIABLE x
d == x = 2
Init == x = 0
Next == x < 2 /\ x' = x + 1
Spec == Init /\ [][Next]_x /\ WF_x(Next)

---- MODULE Done ----
VARIABLE d
Finish == d' = TRUE
Live == [][Finish \/ UNCHANGED d]_d /\ WF_d(Finish)
====

I == INSTANCE Done
Box(b) == [][b]_x
Steps == Box(x' = x + 1)
Finishes == I!Live
================================================================================
