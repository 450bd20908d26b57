---- MODULE BoundShadowsDefinition ----
\* SANY: a bound variable may not reuse the name of a definition already visible.
EXTENDS Naturals
VARIABLE x
N == 3
Init == x = 0
Next == \E N \in 1..2 : x' = N
====
