"""The protocol-neutral network layer of the real servers: frames, peer links, listeners."""
