---- MODULE Bag ----
EXTENDS Naturals, Bags
CONSTANT Node
VARIABLE msgs
Init == msgs = EmptyBag
Send(n) == msgs' = msgs (+) SetToBag({[type |-> "ping", to |-> n, bal |-> BagCardinality(msgs)]})
Next == \E n \in Node : Send(n)
Few == BagCardinality(msgs) < 2
====
