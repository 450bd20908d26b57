------------------------------- MODULE Hoist -------------------------------
(* Existentials whose bodies have conjuncts that do not read the bound variables (the
   engine evaluates those once): the answers, and the errors TLC reports or does not. *)
EXTENDS Naturals, Sequences

VARIABLE y

Init == y = 0
Next == y' = (y + 1) % 4

Send(i, range) ==
    /\ i # 2
    /\ range[1] <= range[2]
    /\ y = 3
    /\ range[2] - range[1] = i

\* true in the state y = 3 only: a pair (b, e) with e - b = 3
Sends == \E b, e \in 1..40 : Send(y, <<b, e>>)
SendsOnlyAtThree == Sends <=> y = 3

\* the same with sums as arguments (etcd's index + 1): still flattened, still TLC's answer
SendsShifted == \E b, e \in 1..40 : Send(y - 1 + 1, <<b, e + 1 - 1>>)
SendsShiftedOnlyAtThree == SendsShifted <=> y = 3

\* x[1] fails on <<>>, which TLC tries first: an error, whatever y is
FailsFirst == ~\E x \in {<<>>, <<1>>} : x[1] = 1 /\ y = 7

\* y \in 3 fails, but TLC never gets there (x > 5 is false for every x): no error
NeverReached == ~\E x \in 1..3 : x > 5 /\ y \in 3

\* a non-boolean conjunct for some x, before a false one: TLC's error
NotBoolean == ~\E x \in 1..3 : (IF x = 2 THEN 7 ELSE TRUE) /\ y = 9
=============================================================================
