------------------------------ MODULE AssertErrors ------------------------------
(* TLCExt's AssertError(err, exp): TRUE when evaluating exp fails with message  *)
(* err, FALSE when it does not fail. Typed model values (T_a) of different      *)
(* types cannot be compared.                                                   *)
EXTENDS TLCExt, Naturals
ASSUME AssertError("Attempted to check equality of the differently-typed model values T_a and S_b",
                   TLCModelValue("T_a") = TLCModelValue("S_b"))
ASSUME ~AssertError("never raised", 1 + 1 = 2)
ASSUME TLCModelValue("T_a") # TLCModelValue("T_b")
VARIABLE x
Init == x = 0
Next == x' = AssertError("no error", x = x)
================================================================================
