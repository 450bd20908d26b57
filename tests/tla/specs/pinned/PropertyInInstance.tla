------------------------------ MODULE PropertyInInstance ------------------------------
(* Inside a definition of an instance with substitutions (here the implicit s <- s), *)
(* TLC does not expand an operator applied to arguments: I!Wrapped(Small, s) reaches  *)
(* Always(p, a) == [](p(a)) unexpanded and is checked as a temporal property, not as  *)
(* the invariant Small(s). Both find the violation; TLC reports it as a property.      *)
EXTENDS Naturals
VARIABLE s
I == INSTANCE PropertyInInstanceInner
Init == s = 0
Next == s' = (s + 1) % 4
Spec == Init /\ [][Next]_s
Small(n) == n < 3
Prop == I!Wrapped(Small, s)
Plain == I!Always(Small, s)
=======================================================================================

---------------------------- MODULE PropertyInInstanceInner ----------------------------
VARIABLE s
Always(p(_), a) == [](p(a))
Wrapped(p(_), a) == Always(p, a)
=======================================================================================
