------------------------------ MODULE ChooseUnordered ------------------------------
(* CHOOSE over sets whose elements have no order ({Nat} and {Int} cannot be sorted  *)
(* without enumerating Int): when one element satisfies the predicate, it is the    *)
(* value, whatever the order; TLC evaluates this without error.                     *)
EXTENDS Integers
VARIABLE x
Signed == CHOOSE s \in {{Nat}, {Int}} : \E k \in s : -1 \in k
ASSUME Signed = {Int}
Init == x = 0
Next == x' = IF -2 \in CHOOSE k \in Signed : TRUE THEN 1 - x ELSE x
=====================================================================================
