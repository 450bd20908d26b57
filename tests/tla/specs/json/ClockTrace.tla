----------------------------- MODULE ClockTrace -----------------------------
(* Trace validation in the style of etcd-io/raft's Traceetcdraft and CCF: the log (one
   JSON object a line) constrains the hand; l is the line being matched. TraceMatched is
   etcd's "poor man's hyperproperty": it fails when the search runs out of states before
   the end of the log. *)
EXTENDS Clock, Json, Sequences, TLC

CONSTANT LogFile

TraceLog == ndJsonDeserialize(LogFile)

VARIABLE l

TraceInit == l = 1 /\ Init

TraceNext ==
    /\ l <= Len(TraceLog)
    /\ Next
    /\ hr' = TraceLog[l].hr
    /\ l' = l + 1

TraceSpec == TraceInit /\ [][TraceNext]_<<l, vars>>

TraceView == <<vars, l>>

TraceMatched ==
    [](l <= Len(TraceLog) => [](TLCGet("queue") = 1 \/ l > Len(TraceLog)))

ClockSpec == Init /\ [][Next]_vars
=============================================================================
