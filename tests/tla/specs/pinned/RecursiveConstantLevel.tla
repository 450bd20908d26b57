------------------------- MODULE RecursiveConstantLevel -------------------------
(* A recursive operator over constants is constant: TLC takes C <- D where D    *)
(* applies one (as the Misra reachability test of tlaplus/Examples substitutes *)
(* a set of random graphs built by a recursive LET).                            *)
EXTENDS Naturals
CONSTANTS C, K
RECURSIVE Sum(_)
Sum(n) == IF n = 0 THEN 0 ELSE n + Sum(n - 1)
Fact(x) == LET RECURSIVE F(_)
               F(n) == IF n = 0 THEN 1 ELSE n * F(n - 1)
           IN F(x)
D == Fact(3)
E == Sum(4)
VARIABLE v
Init == v = <<C, K>>
Next == UNCHANGED v
Inv == v = <<6, 10>>
=================================================================================
