---- MODULE InstanceChainLeaf ----
EXTENDS Naturals
CONSTANT C
Scaled(n) == n * C
====
