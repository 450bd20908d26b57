"""Multi-Paxos: a replicated log of slots, a stable leader, and a key-value store on top."""
