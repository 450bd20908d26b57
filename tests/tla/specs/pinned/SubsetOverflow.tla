---- MODULE SubsetOverflow ----
\* The size of SUBSET S does not fit in TLC's int once S has 31 elements: TLC stops at once
\* with an overflow error where a naive evaluation would try to build 2^(2^36) sets.
EXTENDS Naturals
VARIABLE x
Init == x = SUBSET(SUBSET(1..36))
Next == x' = x
====
