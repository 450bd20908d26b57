"""Single-decree Paxos: proposers, acceptors and learners agreeing on one value."""
