"""Initial states and successor states, computed as TLC computes them (see
:mod:`conformance.tla.actions.compiler`): ``compiler`` holds :class:`ActionCompiler`, its
entry points and guards; ``branching``, ``definitions`` and ``assignments`` its rules;
``trail`` the branches a step took (coverage)."""

from conformance.tla.actions.compiler import ActionCompiler, Diagnosis, Partial, describe_partial
from conformance.tla.actions.trail import BranchTrail

__all__ = ["ActionCompiler", "BranchTrail", "Partial", "Diagnosis", "describe_partial"]
