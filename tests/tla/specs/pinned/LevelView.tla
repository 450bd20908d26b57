----------------------------- MODULE LevelView -----------------------------
(* A VIEW with TLCGet("level"), as trace specs write it: a state met again at another level
   is another state. TLC reads the successor's level when it fingerprints it (the engine
   read its predecessor's, so the second state collided with the first). *)
EXTENDS Naturals, TLC

VARIABLE x

Init == x = 0
Next == x' = x
Short == TLCGet("level") < 5
View == <<x, TLCGet("level")>>
=============================================================================
