---- MODULE ArgumentLevel ----
\* SANY's level check of an argument: a parameter that its operator primes may not be given
\* an action (x' primed again would be x'').
EXTENDS Naturals
VARIABLE x
Next(a) == a' = a + 1
Twice(A) == A /\ A
Legal == Next(x) /\ Twice(x' = x + 1)  \* a state, an action where the body allows one
Init == x = 0
Spec == Init /\ [][Next(x')]_x
====
