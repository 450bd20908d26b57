------------------------------ MODULE FairnessTooLarge ------------------------------
(* 32 copies of SF_x(Next): the normal form of fairness /\ ~Prop has 2^32 disjuncts,   *)
(* past what TLC counts (a Java int). TLC stops with an error; so does the engine,     *)
(* which used to try to build them.                                                    *)
VARIABLE x
Init == x = FALSE
Next == x' \in BOOLEAN
Spec == Init /\ [][Next]_x /\ \A i \in {1, 2, 3, 4} \X {1, 2, 3, 4} \X {1, 2} : SF_x(Next)
Prop == <>[](x \in BOOLEAN)
======================================================================================
