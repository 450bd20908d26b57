---- MODULE Inner ----
EXTENDS Naturals
VARIABLES a, b
Step == a < 3 /\ a' = a + 1 /\ UNCHANGED b
Spec == a = 0 /\ b = 0 /\ [][Step]_<<a, b>> /\ WF_<<a, b>>(Step)
====
