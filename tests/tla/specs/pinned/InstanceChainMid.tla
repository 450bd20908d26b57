---- MODULE InstanceChainMid ----
EXTENDS Naturals
CONSTANT C
INSTANCE InstanceChainLeaf
====
