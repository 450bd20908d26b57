------------------------- MODULE OverrideAndInstances -------------------------
(* The .cfg replaces Op, the definition of module Ops that INSTANCE Ops makes  *)
(* a name of this module: where definitions use it, in instances of Ops too   *)
(* (I!Val). I!Op and J!Op are definitions of their own (SANY's copies for the *)
(* instances), and POps's Op is another definition: they keep their bodies.  *)
EXTENDS Naturals

---- MODULE Ops ----
EXTENDS Naturals
Op == 1
Val == Op + 10
====

---- MODULE POps ----
EXTENDS Naturals
CONSTANT C
Op == 1
Val == Op + 10 + C
====

INSTANCE Ops
I == INSTANCE Ops
J == INSTANCE POps WITH C <- 100
Two == 2
VARIABLE x
Init == x = <<Val, I!Op, I!Val, J!Op, J!Val>>
Next == UNCHANGED x
Inv == x = <<12, 1, 12, 1, 111>>
================================================================================
