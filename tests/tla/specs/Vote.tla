---- MODULE Vote ----
\* A small Raft-like vote exchange for the step API: actions with parameters.
EXTENDS Naturals, FiniteSets
CONSTANTS Server, Nil
VARIABLES term, votedFor, msgs

Init == /\ term = [s \in Server |-> 0]
        /\ votedFor = [s \in Server |-> Nil]
        /\ msgs = {}

Timeout(i) == /\ term' = [term EXCEPT ![i] = @ + 1]
              /\ votedFor' = [votedFor EXCEPT ![i] = i]
              /\ msgs' = msgs \cup {[type |-> "req", from |-> i, term |-> term[i] + 1]}

HandleRequestVote(i, j, m) ==
    /\ m \in msgs
    /\ m.type = "req"
    /\ m.from = j
    /\ m.term >= term[i]
    /\ votedFor[i] \in {Nil, j}
    /\ term' = [term EXCEPT ![i] = m.term]
    /\ votedFor' = [votedFor EXCEPT ![i] = j]
    /\ msgs' = msgs \cup {[type |-> "resp", from |-> i, term |-> m.term]}

Next == \/ \E i \in Server : term[i] < 2 /\ Timeout(i)
        \/ \E i, j \in Server, m \in msgs : HandleRequestVote(i, j, m)

Spec == Init /\ [][Next]_<<term, votedFor, msgs>>
OneVote == \A i \in Server : votedFor[i] \in Server \cup {Nil}
====
