--------------------------- MODULE FairConstrained ---------------------------
(* A counter under weak fairness of Next, its model cut by a state constraint: *)
(* at the last state kept, Next is still enabled (its successor is only left  *)
(* out of the model), so stuttering there is not fair: the model has no fair   *)
(* behavior, and even x reaching 3, which the model leaves out, holds.         *)
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x' = x + 1
Spec == Init /\ [][Next]_x /\ WF_x(Next)
InModel == x < 3
ReachesThree == <>(x = 3)
================================================================================
