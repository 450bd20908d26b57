"""The cluster test: a real cluster of server processes, concurrent clients whose every
operation is recorded, a seeded nemesis that kills, pauses, restarts and partitions the
servers, and the checks of :mod:`conformance.history` on what the clients saw.

:mod:`.nodes` runs the server processes, :mod:`.workload` the clients, :mod:`.nemesis` the
faults, :mod:`.run` one whole test, :mod:`.report` its results on the terminal.
"""
