------------------------------- MODULE Shared -------------------------------
(* A constraint that reads the search's figures (TLCGet("distinct")): the search stays in
   one process, whatever the number of workers, so the figures are TLC's with one. *)
EXTENDS Naturals, TLC

VARIABLE x

Init == x \in 1..2000
Next == x < 8000 /\ x' = x + 2000
Small == TLCGet("distinct") < 3000
=============================================================================
