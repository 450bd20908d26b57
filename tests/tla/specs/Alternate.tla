---- MODULE Alternate ----
\* x = 0 holds for x = FALSE in Python; TLC reaches x = FALSE as a second distinct state and
\* then fails comparing it with 0.
VARIABLE x
Init == x = 0
Next == \/ x = 0 /\ x' = FALSE
        \/ x = FALSE /\ x' = 0
====
