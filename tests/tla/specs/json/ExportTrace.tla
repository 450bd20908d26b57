---------------------------- MODULE ExportTrace ----------------------------
(* EWD840_json's idiom: when the real invariant fails, the behavior that led there is
   written as JSON (TLCExt!Trace) and the search stops without an error (TLCSet("exit")). *)
EXTENDS Naturals, Json, TLC, TLCExt

VARIABLES y, z

Init == y = 0 /\ z = "a"
Next == y' = y + 1 /\ z' = IF z = "a" THEN "b" ELSE "a"

RealInv == y < 3
JsonInv ==
    \/ RealInv
    \/ /\ JsonSerialize("out/trace.json", Trace)
       /\ TLCSet("exit", TRUE)
=============================================================================
