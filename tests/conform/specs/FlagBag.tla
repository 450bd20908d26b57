---- MODULE FlagBag ----
\* A small spec for the validator's own tests: a bag of messages keyed by records with a
\* boolean field, as Raft's msgs is, which a trace may wrongly give as 1 or 0 (Python
\* equates the records [granted |-> 1] and [granted |-> TRUE]; TLA+ does not).
EXTENDS Bags, Naturals
CONSTANTS Server
VARIABLES msgs, ticks

Init == msgs = EmptyBag /\ ticks = 0

Send(s, g) == /\ msgs' = msgs (+) SetToBag({[from |-> s, granted |-> g]})
              /\ UNCHANGED ticks

Receive(m) == /\ BagIn(m, msgs)
              /\ msgs' = msgs (-) SetToBag({m})
              /\ UNCHANGED ticks

Tick == ticks' = ticks + 1 /\ UNCHANGED msgs

Next == (\E s \in Server, g \in BOOLEAN : Send(s, g)) \/ (\E m \in BagToSet(msgs) : Receive(m))
        \/ Tick

TypeOK == /\ DOMAIN msgs \subseteq [from : Server, granted : BOOLEAN]
          /\ ticks \in Nat
====
