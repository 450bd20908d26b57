---- MODULE TemporalLet ----
\* A temporal property whose LET defines state functions and actions: each is evaluated
\* where it is used, in the state (or step) at hand.
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x' = (x + 1) % 3
Spec == Init /\ [][Next]_x /\ WF_x(Next)
Prop == LET next == (x + 1) % 3
            top == x = 2
            step == x' = next
        IN [](x = 0 => <>top) /\ [][step]_x
Never == LET goal == x = 5 IN <>goal
====
