------------------------------ MODULE HideExpression ------------------------------
(* SANY: USE may name any expression as a fact, HIDE only a theorem, an assumption,  *)
(* a step or a module. The HIDE of an expression (line 10) is a semantic error.       *)
EXTENDS Naturals
VARIABLE x
THEOREM Positive == 1 > 0
USE Positive, 2 > 1
HIDE Positive
Init == x = 0
HIDE Positive, x + 1 > x
Next == x' = 1 - x
===================================================================================
