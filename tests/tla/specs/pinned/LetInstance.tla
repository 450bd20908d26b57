---- MODULE LetInstance ----
\* INSTANCE inside LET: a module instantiated where it is used.
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == LET T == INSTANCE TLC
            N == INSTANCE Naturals
        IN /\ N!<(x, 4)
           /\ x' = x + 1
           /\ T!Assert(x < 10, "x too large")
====
