---- MODULE ConstantInit ----
\* The .cfg makes the initial predicate a constant.
VARIABLE x
Init == x = 0
Next == x' = x
====
