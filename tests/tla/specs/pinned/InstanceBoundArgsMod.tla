------------------------- MODULE InstanceBoundArgsMod --------------------------
EXTENDS Naturals
CONSTANT K
VARIABLE x
Plus(y) == K + y
Twice == Plus(K)
Apply(Op(_), v) == Op(v)
ViaApply == Apply(Plus, 10)
Multiples == {n \in 0..10 : n % K = 0}
Add(v) == v + K
Ahead == x + K
Inner == INSTANCE InstanceBoundArgsInner WITH C <- K
================================================================================
