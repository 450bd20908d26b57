---------------------------- MODULE FieldIndex ----------------------------
(* Existential actions over a set of records whose bodies open with m.field = constant (the
   engine enters only the records whose field is that constant, from an index of the set):
   the successors, the order of the counterexample, and TLC's errors where a record lacks
   the field or holds another kind of value there. *)
EXTENDS Naturals

VARIABLES msgs, n

Init == msgs = {[type |-> "req", v |-> 0]} /\ n = 0

\* a record without the field, one with a number there, a tuple: each, TLC's error
InitMissing == msgs = {[type |-> "req", v |-> 0], [kind |-> "req", v |-> 1]} /\ n = 0
InitNumber == msgs = {[type |-> "req", v |-> 0], [type |-> 7, v |-> 1]} /\ n = 0
InitTuple == msgs = {[type |-> "req", v |-> 0], <<1, 2>>} /\ n = 0

Next ==
    \/ \E m \in msgs :
          /\ m.type = "req"
          /\ m.v < 3
          /\ msgs' = msgs \cup {[type |-> "req", v |-> m.v + 1], [type |-> "ack", v |-> m.v]}
          /\ UNCHANGED n
    \/ \E m \in msgs :
          /\ "ack" = m.type
          /\ n < 6
          /\ n' = n + m.v + 1
          /\ UNCHANGED msgs

Small == n < 5
=============================================================================
