"""The embedded TLA+ engine (see the submodules; the public entry points are re-exported)."""

from conformance.tla.check import check_model

__all__ = ["check_model"]
