---- MODULE Flags ----
\* A small spec for the validator's own tests: booleans (a flag per server, a choice, records
\* in a set) that a trace may wrongly give as the integers 1 and 0, which Python equates
\* with TRUE and FALSE and TLA+ does not.
CONSTANTS Server
VARIABLES up, log, pick

Init == up = [s \in Server |-> FALSE] /\ log = {} /\ pick = FALSE

Raise(s) == /\ up' = [up EXCEPT ![s] = TRUE]
            /\ log' = log \cup {[who |-> s, up |-> TRUE]}
            /\ UNCHANGED pick

Choose == pick' \in BOOLEAN /\ UNCHANGED <<up, log>>

Next == (\E s \in Server : Raise(s)) \/ Choose

TypeOK == up \in [Server -> BOOLEAN] /\ pick \in BOOLEAN
====
