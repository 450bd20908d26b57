---------------------- MODULE PropertyThroughDefinitions ----------------------
(* Properties TLC takes apart through definitions: Box(b) == [][b]_x applied  *)
(* to an argument is checked on every step, and the fairness of an instance  *)
(* whose variable d is, by the implicit d <- d, an operator of this module   *)
(* binds d' by name under ENABLED (TLC's ENABLED).                           *)
EXTENDS Naturals
VARIABLE x

---- MODULE Done ----
VARIABLE d
Finish == d' = TRUE
Live == [][Finish \/ UNCHANGED d]_d /\ WF_d(Finish)
====

d == x = 2
Init == x = 0
Next == x < 2 /\ x' = x + 1
Spec == Init /\ [][Next]_x /\ WF_x(Next)

I == INSTANCE Done
Box(b) == [][b]_x
Steps == Box(x' = x + 1)
Finishes == I!Live
================================================================================
