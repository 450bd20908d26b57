---- MODULE UseBeforeDefinition ----
\* SANY: a name is visible only after its definition.
EXTENDS Naturals
VARIABLE x
Init == x = Start
Start == 0
Next == x' = x
====
