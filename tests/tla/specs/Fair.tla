---- MODULE Fair ----
\* Liveness: a counter that may stop (Reset and Tick are separate actions).
EXTENDS Naturals
VARIABLE x
Init == x = 0
Tick == x < 3 /\ x' = x + 1
Reset == x = 3 /\ x' = 0
Next == Tick \/ Reset
vars == <<x>>
Spec == Init /\ [][Next]_vars
WeakSpec == Spec /\ WF_vars(Tick)
FullSpec == Spec /\ WF_vars(Next)
Reaches3 == <>(x = 3)
Always0 == []<>(x = 0)
LeadsBack == (x = 3) ~> (x = 0)
Stays == <>[](x = 3)
====
