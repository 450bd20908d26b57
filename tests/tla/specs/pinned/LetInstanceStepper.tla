---- MODULE LetInstanceStepper ----
\* Instantiated by LetInstanceOperator: a constant operator, substituted by a LET's.
EXTENDS Naturals
CONSTANT Step(_)
VARIABLE c
Bumped == c + Step(c)
====
