------------------------------- MODULE TLAPS --------------------------------
(***************************************************************************)
(* Written for the embedded engine of this project. The TLA+ Proof System *)
(* module names the provers that BY clauses cite; a model checker needs    *)
(* none of them, since it skips proofs. These definitions only make the    *)
(* names exist, so that specs extending TLAPS load.                        *)
(***************************************************************************)
SMT == TRUE
CVC4 == TRUE
Z3 == TRUE
Yices == TRUE
Zenon == TRUE
Isa == TRUE
Auto == TRUE
Force == TRUE
Blast == TRUE
SimpleArithmetic == TRUE
PTL == TRUE
LS4 == TRUE
SetExtensionality == TRUE
NoSetContainsEverything == TRUE
IsaWithSetExtensionality == TRUE
SMTT(t) == TRUE
CVC4T(t) == TRUE
Z3T(t) == TRUE
YicesT(t) == TRUE
ZenonT(t) == TRUE
IsaT(t) == TRUE
IsaM(m) == TRUE
IsaMT(m, t) == TRUE
AutoT(t) == TRUE
ForceT(t) == TRUE
BlastT(t) == TRUE
SlowArithmetic == TRUE
Spass == TRUE
SpassT(t) == TRUE
=============================================================================
