---- MODULE Types ----
\* A variable that takes values Python's equality would merge (FALSE = 0, TRUE = 1), alone
\* and inside tuples, sets, records and functions; TLC counts each as a distinct state.
EXTENDS TLC
CONSTANT S
VARIABLE x
Perms == Permutations(S)
View == <<x>>
Init == x = 0
Next == \/ x' = 0
        \/ x' = FALSE
        \/ x' = 1
        \/ x' = TRUE
        \/ x' = <<0>>
        \/ x' = <<FALSE>>
        \/ x' = {1}
        \/ x' = {TRUE}
        \/ x' = {<<0>>}
        \/ x' = {<<FALSE>>}
        \/ x' = [a |-> 0]
        \/ x' = [a |-> FALSE]
        \/ x' = (TRUE :> 0)
        \/ x' = [s \in S |-> 0]
        \/ x' = [s \in S |-> FALSE]
        \/ \E s \in S : x' = (s :> 0)
        \/ \E s \in S : x' = (s :> FALSE)
====
