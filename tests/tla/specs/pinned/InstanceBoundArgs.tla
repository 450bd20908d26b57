--------------------------- MODULE InstanceBoundArgs ---------------------------
(* An instance M(a)!Op whose argument a is bound around it: by \A, \E and a set *)
(* map, by a parameter of a recursive operator (TLC's test203) and of an action *)
(* (tlaplus/Examples' Misra reachability test: \A Succ \in SuccSet :            *)
(* P(Succ)!Reachable0). Within the instance: definitions calling definitions,   *)
(* one passed as an operator argument, a lazily built set kept past the call, a *)
(* state-level definition read at every state, and an instance of its own whose *)
(* substitution reads the parameter.                                            *)
EXTENDS Naturals, FiniteSets
VARIABLE x
RECURSIVE Fact(_)
F(n) == INSTANCE InstanceBoundArgsStep WITH Prev <- Fact, Arg <- n
Fact(n) == IF n = 0 THEN 1 ELSE n * F(n - 1)!Step
P(K) == INSTANCE InstanceBoundArgsMod
ASSUME /\ Fact(4) = 24
       /\ \A i \in 1..5 : Fact(i) = i * Fact(i - 1)
       /\ \A k \in 1..3 : P(k)!Twice = 2 * k
       /\ {P(k)!Twice : k \in 1..3} = {2, 4, 6}
       /\ {Cardinality(P(k)!Multiples) : k \in 1..3} = {11, 6, 4}
       /\ \A k \in 1..3 : P(k)!ViaApply = 10 + k
       /\ \A k \in 1..3 : P(k)!Inner!Scaled = 3 * k
       /\ ~ \E k \in 1..3 : P(k)!Twice = 5
Init == x = 0
Next == \/ \E k \in 1..2 : /\ x < 7
                           /\ x' = P(k)!Add(x)
        \/ x >= 7 /\ UNCHANGED x
Inv == \A k \in 1..2 : P(k)!Ahead = x + k
================================================================================
