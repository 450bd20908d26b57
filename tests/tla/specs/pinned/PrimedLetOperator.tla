------------------------------ MODULE PrimedLetOperator ------------------------------
(* A LET operator applied and primed, Plus(1)', is its body primed: x' + 1. The       *)
(* engine evaluated the body with the current x, so no step from x = 0 was possible.  *)
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == /\ x < 3
        /\ x' = x + 1
        /\ LET Plus(a) == x + a IN Plus(1)' = x + 2
=======================================================================================
