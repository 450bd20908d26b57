---- MODULE OverrideParts ----
EXTENDS Naturals
CONSTANT C
None == CHOOSE v : v \notin {1, 2}
Size == C + 1
====
