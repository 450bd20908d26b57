------------------------- MODULE CyclicRedefinition -------------------------
(* With TLC's allowCyclicRedefinitions, Next <- MoreNext where MoreNext uses   *)
(* Next: inside MoreNext (and what it uses), Next is the spec's own Next.      *)
EXTENDS Naturals
VARIABLE x
Init == x = 0
Step == x' = x + 1
Next == x < 3 /\ Step
MoreNext == Next \/ (x = 3 /\ x' = 10)
Inv == x # 10
================================================================================
