---- MODULE LetInstanceOperator ----
\* INSTANCE inside LET whose constant operator Step is, implicitly, the LET's operator Step.
EXTENDS Naturals
VARIABLE y
Init == y = 0
Next == LET Step(n) == IF n < 3 THEN 1 ELSE 2
            c == y
            S == INSTANCE LetInstanceStepper
        IN /\ y < 9
           /\ y' = S!Bumped
====
