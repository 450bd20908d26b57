---- MODULE ParameterShadowsDefinition ----
\* SANY: an operator's parameter may not reuse a visible name (here the variable x), even in
\* a definition the model never uses.
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x' = x
Double(x) == 2 * x
====
