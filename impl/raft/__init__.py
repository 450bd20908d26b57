"""Raft: a deterministic node core, its storage, the key-value state machine, drivers."""
