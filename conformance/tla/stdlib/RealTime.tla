---------------------------- MODULE RealTime ----------------------------
(* Real-time specifications (Lamport, Specifying Systems, chapter 9): the  *)
(* variable now holds the current time; RTBound(A, v, D, E) says that A    *)
(* happens no sooner than D and no later than E time units after it is    *)
(* enabled; RTnow(v) lets time advance without changing v. Written for the  *)
(* embedded engine; like TLC, it cannot evaluate the real numbers these    *)
(* definitions quantify over.                                              *)
EXTENDS Reals
VARIABLE now

RTBound(A, v, D, E) ==
  LET TNext(t) == t' = IF <<A>>_v \/ ~(ENABLED <<A>>_v)'
                         THEN 0
                         ELSE t + (now' - now)
      Timer(t) == (t = 0) /\ [][TNext(t)]_<<t, v, now>>
      MaxTime(t) == [](t \leq E)
      MinTime(t) == [][A => t \geq D]_v
  IN \EE t : Timer(t) /\ MaxTime(t) /\ MinTime(t)

RTnow(v) ==
  LET NowNext == /\ now' \in {r \in Real : r > now}
                 /\ UNCHANGED v
  IN  /\ now \in Real
      /\ [][NowNext]_now
      /\ \A r \in Real : WF_now(NowNext /\ (now' > r))
=============================================================================
