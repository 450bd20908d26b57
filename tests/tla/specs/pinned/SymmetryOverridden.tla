---- MODULE SymmetryOverridden ----
\* The .cfg replaces the definition its SYMMETRY names with a number: not a set of
\* permutations, an error (the engine used the definition and said the model holds).
EXTENDS TLC
CONSTANT A
VARIABLE x
Init == x \in A
Next == x' \in A
Perms == Permutations(A)
====
