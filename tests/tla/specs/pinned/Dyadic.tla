---- MODULE Dyadic ----
\* The community module DyadicRationals: fractions n / 2^k as records [num, den], kept in
\* lowest terms.
EXTENDS Naturals, DyadicRationals
VARIABLE r
Init == r = One
Next == r.den < 8 /\ r' = Half(r)
Inv == /\ IsDyadicRational(r)
       /\ Add(Half(r), Half(r)) = r
       /\ Add(Zero, r) = r /\ Add(r, Zero) = r
       /\ Add(Half(One), Half(Half(One))) = [num |-> 3, den |-> 4]
       /\ Half(Zero) = Zero
       /\ PrettyPrint(Half(One)) = "1/2" /\ PrettyPrint(Add(r, Zero)) = PrettyPrint(r)
       /\ ~IsDyadicRational([num |-> 1, den |-> 3])
====
