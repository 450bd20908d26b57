---- MODULE SymUnion ----
EXTENDS Naturals, FiniteSets, TLC
CONSTANTS A, V
VARIABLES owner, seen
Init == owner = [a \in A |-> CHOOSE v \in V : TRUE] /\ seen = {}
Next == \E a \in A, v \in V :
          /\ Cardinality(seen) < 2 \/ a \in seen
          /\ owner' = [owner EXCEPT ![a] = v]
          /\ seen' = seen \cup {a}
Perms == Permutations(A) \cup Permutations(V)
====
