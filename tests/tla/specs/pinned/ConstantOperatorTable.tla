---- MODULE ConstantOperatorTable ----
\* A constant operator with arguments, given by the .cfg entry by entry (F(0) = 1 ...).
CONSTANT F(_)
VARIABLE x
Init == x = 0
Next == x' = F(x)
Inv == x /= 2
====
