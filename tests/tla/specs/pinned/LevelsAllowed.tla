---- MODULE LevelsAllowed ----
\* Arguments and substitutions at the highest levels SANY allows them: an action where the
\* parameter is not primed, a state function where it is, a constant for a constant that an
\* ASSUME of a module with variables names, an action for one of a constant module.
EXTENDS Naturals
VARIABLE x
---- MODULE Inner ----
CONSTANT C
VARIABLE y
ASSUME C \in BOOLEAN
Step == y' = y + 1
====
---- MODULE Consts ----
CONSTANT D
ASSUME D \in BOOLEAN
Holds == D
====
Twice(A) == A /\ A
Incr(a) == a' = a + 1
I(z) == INSTANCE Inner WITH y <- z, C <- TRUE
J(act) == INSTANCE Consts WITH D <- ENABLED act
K == INSTANCE Consts WITH D <- (x' > x)
Init == x = 0
Next == /\ x < 3
        /\ Twice(Incr(x))
        /\ I(x)!Step
        /\ J(x' = x + 1)!Holds
        /\ K!Holds
====
