---- MODULE EnabledArgument ----
\* ENABLED applied to an operator's parameter (IsEnabled(d) == ENABLED d), with an action as
\* the argument, takes that action with its context's substitutions applied, primed
\* variables included: through P, Bump is x' = x /\ x' = x + 1, never enabled. ENABLED Bump
\* written in Pair itself binds u' and v' by name, as two variables: enabled.
EXTENDS Naturals
VARIABLE x
---- MODULE Pair ----
VARIABLES u, v
Bump == u' = u /\ v' = v + 1
IsEnabled(d) == ENABLED d
ThroughParameter == IsEnabled(Bump)
Direct == ENABLED Bump
====
P == INSTANCE Pair WITH u <- x, v <- x
Init == x \in 1..3
Next == x' = 9 - x
Spec == Init /\ [][Next]_x
Inv == /\ P!IsEnabled(Next)
       /\ ~P!IsEnabled(P!Bump)
       /\ ~P!ThroughParameter
       /\ P!Direct
====
