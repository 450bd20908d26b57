---------------------------- MODULE EventuallyAction ----------------------------
(* <><<A>>_v holds of this spec, but TLC checks an action inside a temporal     *)
(* formula only in the forms []<>A and <>[]A, and says so before it explores.   *)
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x < 3 /\ x' = x + 1
Spec == Init /\ [][Next]_x /\ WF_x(Next)
Moves == <><<x' = x + 1>>_x
================================================================================
