"""Z3 proofs of the facts that Raft and Paxos safety rest on, about the implementation's own
predicates (:mod:`impl.quorum`, :mod:`impl.raft.rules`, :mod:`impl.paxos.rules`)."""
