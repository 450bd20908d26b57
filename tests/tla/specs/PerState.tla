---------------------------- MODULE PerState ----------------------------
(* A definition without arguments that reads the state (Done, High) has one value per
   state: the engine keeps the last state's for the processes' actions of that state. *)
EXTENDS Naturals

VARIABLES x, y

Done == x >= 3
High == y > x

Init == x = 0 /\ y = IF Done THEN 9 ELSE x + 1

Next == \E p \in {1, 2, 3} :
          IF ~Done
             THEN /\ x' = x + (IF High THEN p ELSE 1)
                  /\ y' = IF Done' THEN 0 ELSE y
             ELSE UNCHANGED <<x, y>>
=============================================================================
