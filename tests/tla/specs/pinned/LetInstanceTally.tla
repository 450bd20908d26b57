---- MODULE LetInstanceTally ----
\* Instantiated by LetInstanceSubstitution.
EXTENDS Naturals
CONSTANT Step
VARIABLE c
Bumped == c + Step
====
