---- MODULE InstanceArgumentLevel ----
\* SANY's level check of an instance's argument: z replaces the variable y of the inner
\* module, which Step primes, so z may not be given an action.
EXTENDS Naturals
VARIABLE x
---- MODULE Inner ----
VARIABLE y
Step == y' = y + 1
Value == y
====
I(z) == INSTANCE Inner WITH y <- z
Init == x = 0
Next == x' = I(x)!Value + 1 /\ I(x')!Step
====
