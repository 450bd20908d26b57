------------------------------- MODULE Clock -------------------------------
(* A clock of three hours whose hand can also be reset; a log of what the hand showed is
   validated against it by ClockTrace. *)
EXTENDS Naturals

VARIABLES hr, ticks
vars == <<hr, ticks>>

Init == hr = 0 /\ ticks = 0
Tick == hr' = (hr + 1) % 3 /\ ticks' = ticks + 1
Reset == hr' = 0 /\ UNCHANGED ticks
Next == Tick \/ Reset
Spec == Init /\ [][Next]_vars
=============================================================================
