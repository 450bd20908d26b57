---------------------------- MODULE UnionOfInfinite ----------------------------
(* UNION of a set holding an infinite set is tested for membership without     *)
(* being enumerated, as TLC's UnionValue does (a type invariant of the          *)
(* Disruptor example in tlaplus/Examples). With two or more elements TLC sorts *)
(* them and fails on the infinite one; one is not sorted.                      *)
EXTENDS Integers
CONSTANT NULL
VARIABLE x
Init == x = [i \in 0..2 |-> 0]
Next == UNCHANGED x
Inv == /\ x \in UNION { [0..2 -> Int] }
       /\ [a |-> x] \in [a : UNION { [0..2 -> Int \cup {NULL}] }]
       /\ [i \in 0..2 |-> -1] \notin UNION { [0..2 -> Nat] }
================================================================================
