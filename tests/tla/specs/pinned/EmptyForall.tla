---------------------------- MODULE EmptyForall ----------------------------
(* A property quantified over an empty constant set: TLC takes it apart into one conjunct
   per value before it searches, and refuses it as a tautology (the engine said "holds"). *)
EXTENDS Naturals

VARIABLE i

Init == i = 0
Next == i < 3 /\ i' = i + 1

Live == \A x \in {} : []<>(i = x)
=============================================================================
