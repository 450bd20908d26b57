------------------------------ MODULE RandomDraws ------------------------------
(* A value drawn at random each step: whether Inv is ever violated depends on the  *)
(* draws (TLC's seed and generator, the engine's own), so the engine's result says  *)
(* that it drew at random. x and y are drawn from {0} here, so Inv holds for both.  *)
EXTENDS Naturals, TLC
VARIABLE x, y
Init == x = 0 /\ y = 0
Next == x' = RandomElement({0}) /\ y' = RandomElement(0..0)
Inv == x = y
================================================================================
