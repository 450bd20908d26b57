---- MODULE Sym ----
\* Symmetry: processes are interchangeable model values.
EXTENDS Naturals, FiniteSets, TLC
CONSTANT Proc
VARIABLES state, count

Init == state = [p \in Proc |-> "idle"] /\ count = 0
Start(p) == state[p] = "idle" /\ state' = [state EXCEPT ![p] = "busy"] /\ count' = count + 1
Stop(p) == state[p] = "busy" /\ state' = [state EXCEPT ![p] = "done"] /\ UNCHANGED count
Next == \E p \in Proc : Start(p) \/ Stop(p)
Spec == Init /\ [][Next]_<<state, count>>
Perms == Permutations(Proc)
Bound == count <= Cardinality(Proc)
====
