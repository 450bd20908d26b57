------------------------- MODULE OverrideThroughInstance -------------------------
(* =[Mod] and <-[Mod] replace a definition of module Mod where TLC puts them, in  *)
(* its body, which an instance's copy of the definition shares: I!None and       *)
(* I!Size (of module OverrideParts) are replaced too. A plain F <- G does not    *)
(* reach I!F: see OverrideAndInstances.                                          *)
EXTENDS Naturals

CONSTANT NoneVal
I == INSTANCE OverrideParts WITH C <- 5
Ten == 10
VARIABLE x
Init == x = <<I!None, I!Size>>
Next == UNCHANGED x
Inv == x = <<NoneVal, 10>>
==================================================================================
