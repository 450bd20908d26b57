---- MODULE PrimedArgument ----
\* An argument primed inside the operator it is passed to stands for the argument primed:
\* Next(s) below is  \E val \in 0..1 : s' = val /\ s' > 0  (TLC: holds, 3 generated, 2
\* distinct). Kept(v), called by value, must read v' as s', and Moved(v) likewise.
EXTENDS Integers
VARIABLE s

Next(var) == \E val \in 0..1 : (var' = val /\ var' > 0)
Moved(v) == v' # v
Kept(v) == UNCHANGED v

Spec == s = 23 /\ [][Next(s)]_s

Inv == s # 0
StepOK == [][Moved(s) \/ Kept(s)]_s
NoStutter == [][Moved(s)]_s
====
