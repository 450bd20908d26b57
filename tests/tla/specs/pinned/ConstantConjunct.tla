--------------------------- MODULE ConstantConjunct ---------------------------
(* A conjunct of the spec names a constant whose value is no boolean: TLC's    *)
(* config error, before anything is explored.                                  *)
CONSTANT c
VARIABLE x
Spec == x = 0 /\ c /\ [][x' = x]_x
================================================================================
