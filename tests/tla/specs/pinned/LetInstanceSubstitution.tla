---- MODULE LetInstanceSubstitution ----
\* INSTANCE inside LET whose substitutions are the LET's own definitions: implicitly (c and
\* Step of LetInstanceTally are the LET's c and Step) and explicitly (WITH c <- next).
EXTENDS Naturals
VARIABLE y
Init == y = 0
Next == LET c == y
            Step == 1
            next == y + Step
            C == INSTANCE LetInstanceTally
            D == INSTANCE LetInstanceTally WITH c <- next, Step <- 2 * Step
        IN /\ y < 6
           /\ y' = C!Bumped
           /\ D!Bumped > y'
====
