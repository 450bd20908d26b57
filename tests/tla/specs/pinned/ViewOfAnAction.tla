--------------------------- MODULE ViewOfAnAction ---------------------------
(* A VIEW that names an action reads x' where there is no next state: TLC's evaluation
   error on the first initial state (the fuzz test found a Python TypeError here). *)
VARIABLE x
Init == x = 0
Next == \/ x = 0 /\ x' = 1
        \/ x = 1 /\ x' = 0
=============================================================================
