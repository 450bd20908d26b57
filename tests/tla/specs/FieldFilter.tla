---------------------------- MODULE FieldFilter ----------------------------
(* Set filters {m \in S: m.field = c /\ ...} and \E m \in S: m.field = c /\ ... inside
   expressions (guards, LETs, assignments): the engine tests only the records whose field is
   that constant, from an index of the set. TLC's counts, counterexample and errors. *)
EXTENDS Naturals, FiniteSets

VARIABLES msgs, n

Init == msgs = {[type |-> "req", v |-> 0]} /\ n = 0
\* a record without the field: TLC's error
InitMissing == msgs = {[type |-> "req", v |-> 0], [kind |-> "ack", v |-> 1]} /\ n = 0

Acks == {m \in msgs : m.type = "ack" /\ m.v >= 1}

Next ==
    \/ \E v \in 0..3 :
          /\ ~\E m \in msgs : m.type = "req" /\ m.v = v + 1
          /\ \E m \in msgs : "req" = m.type /\ m.v = v
          /\ msgs' = msgs \cup {[type |-> "req", v |-> v + 1], [type |-> "ack", v |-> v]}
          /\ UNCHANGED n
    \/ /\ Cardinality(Acks) >= 2
       /\ n < 4
       /\ n' = n + Cardinality({m \in msgs : m.type = "req" /\ m.v > n})
       /\ msgs' = msgs \cup {[type |-> "ack", v |-> 10 + n]}

Small == n < 3
=============================================================================
