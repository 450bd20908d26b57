---- MODULE Counter ----
\* A small spec for the validator's own tests: a counter that a client bumps by
\* one or two, a ghost count of steps no implementation sees, and a register of
\* servers' last seen values, a function the tests give only in part.
EXTENDS Naturals
CONSTANTS Server, Limit
VARIABLES x, steps, seen

Init == x = 0 /\ steps = 0 /\ seen = [s \in Server |-> 0]

Inc(n) == /\ n \in {1, 2}
          /\ x + n <= Limit
          /\ x' = x + n
          /\ steps' = steps + 1
          /\ UNCHANGED seen

\* Nondeterministic: the trace does not say by how much.
Bump == \E n \in {1, 2} : Inc(n)

Observe(s) == /\ seen' = [seen EXCEPT ![s] = x]
              /\ steps' = steps + 1
              /\ UNCHANGED x

\* Not part of Next: a definition a trace may still name, with its parameter.
Reset(k) == x' = k /\ UNCHANGED <<steps, seen>>

Next == Bump \/ \E s \in Server : Observe(s)

Small == x < 4
Monotonic == [][x' >= x]_<<x, steps, seen>>
====
