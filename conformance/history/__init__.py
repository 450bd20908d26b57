"""Histories of client operations against a replicated key-value store, and their checks.

A history is what a test's clients saw: every operation with the times it was invoked and
completed and its outcome (:mod:`.ops`). The checks are separate modules, each with one
verdict: :mod:`.linearizable` (Wing and Gong's search with Lowe's memoization, one key at a
time), :mod:`.durability` (no acknowledged write is missing from the final state),
:mod:`.window` (the smallest stretch of a history that cannot be linearized), and
:mod:`.figures` (throughput, latency, recovery). :mod:`.timeline` draws a history as one
self-contained HTML file.
"""
