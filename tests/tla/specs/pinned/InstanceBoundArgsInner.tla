------------------------ MODULE InstanceBoundArgsInner -------------------------
EXTENDS Naturals
CONSTANT C
Scaled == 3 * C
================================================================================
