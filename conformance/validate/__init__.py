"""Step-by-step validation of traces against a TLA+ spec (see ``validator.py``)."""

from conformance.validate.engine import SpecEngine
from conformance.validate.report import Divergence
from conformance.validate.validator import TraceError, Validator

__all__ = ["Divergence", "SpecEngine", "TraceError", "Validator"]
