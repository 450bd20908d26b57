---- MODULE FunctionTheorems ----
(***************************************************************************)
(* Written for the embedded engine of this project. The module of this     *)
(* name in the TLA+ Proof System's library holds theorems, which a model    *)
(* checker skips; only what it EXTENDS is needed for names to resolve.      *)
(***************************************************************************)
EXTENDS Functions, WellFoundedInduction
====
