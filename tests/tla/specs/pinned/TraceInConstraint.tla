------------------------------ MODULE TraceInConstraint ------------------------------
(* TLCExt!Trace in a state constraint is the behavior up to the state being           *)
(* constrained, that state included, as in an invariant: every state is kept.         *)
EXTENDS Naturals, Sequences, TLCExt
VARIABLE x
Init == x = 1
Next == x < 5 /\ x' = x + 1
Spec == Init /\ [][Next]_x
UpToHere == Len(Trace) = x /\ Trace[Len(Trace)].x = x
=====================================================================================
