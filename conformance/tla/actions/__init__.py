"""Initial states and successor states, computed as TLC computes them (see
:mod:`conformance.tla.actions.compiler`): ``compiler`` holds :class:`ActionCompiler`, its
entry points and guards; ``branching``, ``definitions`` and ``assignments`` its rules."""

from conformance.tla.actions.compiler import ActionCompiler, Diagnosis, Partial, describe_partial

__all__ = ["ActionCompiler", "Partial", "Diagnosis", "describe_partial"]
