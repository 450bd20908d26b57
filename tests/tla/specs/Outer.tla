---- MODULE Outer ----
EXTENDS Naturals
VARIABLES p, q
I == INSTANCE Inner WITH a <- p, b <- q + q
Init == p = 0 /\ q = 0
Next == p < 3 /\ p' = p + 1 /\ UNCHANGED q
Spec == Init /\ [][Next]_<<p, q>> /\ WF_<<p, q>>(Next)
Prop == I!Spec
====
