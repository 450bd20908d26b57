------------------------------- MODULE Causal -------------------------------
(* VectorClocks' CausalOrder on a log whose events form one chain (so there is one causal
   order, whichever way concurrent events would be interleaved), and IsCausalOrder. *)
EXTENDS Naturals, Sequences, VectorClocks, TLC, TLCExt

\* node n's event with its vector clock; listed out of order
Log == << [node |-> "b", vc |-> [a |-> 1, b |-> 2]],
          [node |-> "a", vc |-> [a |-> 2, b |-> 2]],
          [node |-> "a", vc |-> [a |-> 1]],
          [node |-> "b", vc |-> [a |-> 1, b |-> 1]] >>

Sorted == CausalOrder(Log, LAMBDA e: e.vc, LAMBDA e: e.node, LAMBDA vc: DOMAIN vc)

ASSUME AssertEq([i \in 1..4 |-> Sorted[i].vc],
                << [a |-> 1], [a |-> 1, b |-> 1], [a |-> 1, b |-> 2], [a |-> 2, b |-> 2] >>)
ASSUME IsCausalOrder(Sorted, LAMBDA e: e.vc)
ASSUME ~IsCausalOrder(Log, LAMBDA e: e.vc)
=============================================================================
