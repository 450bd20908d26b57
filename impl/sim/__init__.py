"""The deterministic simulator shared by every protocol: network, disks, scheduler moves."""
