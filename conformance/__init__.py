"""conform: a formal-model-backed conformance checker for Raft, Paxos and Multi-Paxos."""

__version__ = "0.1.0"
