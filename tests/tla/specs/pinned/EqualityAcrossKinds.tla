---- MODULE EqualityAcrossKinds ----
\* Python equates [g |-> 1] with [g |-> TRUE]; TLC compares no integer with a boolean, at
\* any depth: the step's UNCHANGED stops with an error where the engine once saw a stutter.
VARIABLE x
Init == x = [g |-> TRUE]
Next == x' = [g |-> 1]
Steps == [][FALSE]_x
====
