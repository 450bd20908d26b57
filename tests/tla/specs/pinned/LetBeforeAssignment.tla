------------------------- MODULE LetBeforeAssignment -------------------------
(* A LET names a variable the initial predicate assigns after the LET: TLC    *)
(* evaluates LET definitions where they are used, so zz is x's value there.   *)
EXTENDS Naturals
VARIABLES x, y
Pick(xx, yy) == /\ xx \in 1..2
                /\ yy \in 1..2
                /\ xx <= yy
Init == LET zz == x IN Pick(zz, y) /\ zz + y > 2
Next == LET zz == x' IN Pick(zz, y') /\ zz # x
================================================================================
