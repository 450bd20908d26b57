--------------------------- MODULE SymmetricLiveness ---------------------------
(* One of two symmetric processes starts, then all are reset, forever. Under    *)
(* SYMMETRY both starts lead to one key, yet the behavior in which a never      *)
(* starts exists: a property's action is evaluated on the successor the step    *)
(* produced, not on the state kept for its key.                                *)
EXTENDS TLC
CONSTANTS a, b
VARIABLE x
Procs == {a, b}
Zeros == [p \in Procs |-> 0]
Init == x = Zeros
Start(p) == x = Zeros /\ x' = [x EXCEPT ![p] = 1]
Reset == x # Zeros /\ x' = Zeros
Next == (\E p \in Procs : Start(p)) \/ Reset
Spec == Init /\ [][Next]_x /\ WF_x(Next)
AStarts == []<><<x[a] = 0 /\ x'[a] = 1>>_x
BStarts == []<><<x[b] = 0 /\ x'[b] = 1>>_x
Perms == Permutations(Procs)
================================================================================
