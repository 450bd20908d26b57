---- MODULE Fingerprint ----
\* TLCExt!TLCFP: values that are equal, however they were built, have one fingerprint.
EXTENDS Integers, TLCExt
VARIABLE x
Init == x = [i \in 1..2 |-> 0]
Next == x[1] < 2 /\ x' = [x EXCEPT ![1] = @ + 1]
Inv == /\ TLCFP(x) = TLCFP(<<x[1], 0>>)
       /\ TLCFP({x[1], 7}) = TLCFP({7, x[1]} \cup {x[1]})
       /\ TLCFP([a |-> x, b |-> 1]) = TLCFP([b |-> 1, a |-> x])
       /\ TLCFP(x) \in Int
====
