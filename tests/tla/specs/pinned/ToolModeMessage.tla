------------------------------ MODULE ToolModeMessage ------------------------------
(* AssertError compares an evaluation error's message with the expected text. TLC    *)
(* with -tool output ends the messages of its error class with "--End Error.", so    *)
(* this ASSUME holds in TLC's plain mode (the mode TLC's own tests run) and is false   *)
(* under -tool: the recorder of TLC's verdicts runs a failing run again in plain mode. *)
EXTENDS TLCExt, Naturals, Sequences
ASSUME AssertError("The argument of Len should be a sequence, but instead it is:\n1", Len(1))
VARIABLE x
Init == x = 0
Next == x' = 1 - x
====================================================================================
