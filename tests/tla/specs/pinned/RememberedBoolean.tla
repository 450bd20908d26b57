---- MODULE RememberedBoolean ----
\* TypeOK is tested for [g |-> TRUE], then for [g |-> 1], which Python takes for the same
\* value: the second test must not reuse the first's answer. TLC stops with an error
\* comparing 1 with TRUE; the engine once said the invariant held.
VARIABLE x
Init == x = [g |-> TRUE]
Next == x' = [g |-> 1]
TypeOK == x \in [g : BOOLEAN]
====
