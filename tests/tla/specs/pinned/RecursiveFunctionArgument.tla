---- MODULE RecursiveFunctionArgument ----
\* A recursive function defined in a LET inside an operator, applied inside its own body to
\* a function that body builds: the argument belongs to the domain (it equals one of the
\* domain's functions), although it is built where nothing has been computed yet.
EXTENDS Naturals
VARIABLE x
Init == x = 0
Next == x < 2 /\ x' = x + 1
\* the entries of f, counted by removing one at a time
Count(f) ==
  LET Size[g \in UNION {[D -> {0, 1, 2}] : D \in SUBSET DOMAIN f}] ==
        IF DOMAIN g = {} THEN 0
        ELSE LET first == CHOOSE i \in DOMAIN g : TRUE
             IN 1 + Size[[j \in DOMAIN g \ {first} |-> g[j]]]
  IN Size[f]
Inv == Count([i \in 1..x + 1 |-> x]) = x + 1
====
