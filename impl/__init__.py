"""The consensus implementations under test: Raft, Paxos and Multi-Paxos, and the
deterministic simulator they share."""
