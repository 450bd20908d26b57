---- MODULE Inst ----
\* INSTANCE with substitutions, a parameterized instance, LET, recursion, LAMBDA.
EXTENDS Naturals, Sequences
CONSTANT Max
VARIABLES a, b

C == INSTANCE Counter WITH x <- a, Limit <- Max
D(v) == INSTANCE Counter WITH x <- v, Limit <- Max

RECURSIVE Sum(_)
Sum(s) == IF s = <<>> THEN 0 ELSE Head(s) + Sum(Tail(s))
fact[n \in 0..Max] == IF n = 0 THEN 1 ELSE n * fact[n - 1]
Apply(F(_), v) == F(v)

Init == C!Start /\ b = <<>>
Next == /\ C!Step
        /\ b' = LET k == Apply(LAMBDA z : z * 2, a) IN Append(b, k)
        /\ Len(b) < Max
Spec == Init /\ [][Next]_<<a, b>>
Inv == /\ D(a)!Ok
       /\ Sum(b) = 2 * Sum([i \in 1..Len(b) |-> i - 1])
       /\ fact[Max] = 6
====
