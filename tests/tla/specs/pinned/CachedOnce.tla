------------------------------ MODULE CachedOnce ------------------------------
(* TLCExt's TLCCache(e, closure) evaluates a constant e once for each value of the *)
(* closure, wherever it is used (ASSUME, Init, Next): the register counts 1.       *)
EXTENDS Naturals, TLC, TLCExt
ASSUME TLCSet(1, 0)
Count(v) == CASE TLCSet(1, TLCGet(1) + 1) -> v
Evens == TLCCache(Count({k * 2 : k \in 1..3}), {})
ASSUME 6 \in Evens
VARIABLE x
Init == x = 0 /\ 4 \in Evens
Next == x < 2 /\ 2 \in Evens /\ x' = x + 1
Once == TLCGet(1) = 1
================================================================================
