"""Paxos and Multi-Paxos: deterministic node cores, and the rules they share with the proofs."""
