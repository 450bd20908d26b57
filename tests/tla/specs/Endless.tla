---- MODULE Endless ----
\* A search that never ends (level L holds (L+1)(L+2)/2 states): for the tests that stop
\* a parallel search from outside and look for the workers it leaves behind.
EXTENDS Naturals
VARIABLES a, b, c
Init == a = 0 /\ b = 0 /\ c = 0
Next == \/ a' = a + 1 /\ UNCHANGED <<b, c>>
        \/ b' = b + 1 /\ UNCHANGED <<a, c>>
        \/ c' = c + 1 /\ UNCHANGED <<a, b>>
====
