"""Temporal properties (liveness): not yet implemented."""

from conformance.result import CheckResult, Outcome


def check_liveness(model, *, timeout, progress, started, base) -> CheckResult:
    return CheckResult(Outcome.SEMANTIC_ERROR, message="temporal properties are not yet "
                       "supported by the embedded engine", warnings=["unsupported: liveness"],
                       **base)
