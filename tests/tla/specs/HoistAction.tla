---------------------------- MODULE HoistAction ----------------------------
(* Existential actions whose bodies open with guards that do not read the bound variables
   (the engine evaluates those once per state, not once per binding): the successors, and
   the errors TLC reports or does not. *)
EXTENDS Naturals, Sequences

VARIABLE y

Init == y = 0

\* a send in etcd's trace style: the guard i # 2 /\ y < 6 opens the body, then the binding
Send(i, range) ==
    /\ i # 2
    /\ y < 6
    /\ range[1] <= range[2]
    /\ range[2] - range[1] = i
    /\ y' = y + range[2] - range[1]

\* from y: y + 1 (i = 1), y + 3 (i = 3); never from y >= 6. The bounds read y, so the
\* engine does not split the existential into one action per binding, as it does (like TLC)
\* for constant bounds: the bindings are entered one by one, from one action
Next == \E i \in 1..3 : \E b, e \in y..y + 29 : Send(i, <<b, e>>)

\* the bound fails before the guard is false: TLC's error
BadBound == \E x \in <<>>[y + 1] : y > 100 /\ y' = x

\* the guard fails (for every x): TLC's error, at the first binding
BadGuard == \E x \in 1..y + 3 : <<>>[1] = 1 /\ y' = x

\* the guard would fail, but there is no binding: no error, no successor (TLC: deadlock off)
NoBinding == (\E x \in 1..y - 5 : <<>>[1] = 1 /\ y' = x) \/ (y < 2 /\ y' = y + 1)

\* a guard that is not a boolean: TLC's error
NotBoolean == \E x \in 1..y + 3 : 7 /\ y' = x
=============================================================================
