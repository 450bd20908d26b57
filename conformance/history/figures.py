"""What a history says about the cluster's service: throughput, success, latency, and how
long writes stopped after each fault that took a leader away.

Recovery is measured per fault: from the moment the nemesis struck to the completion of the
first write that was invoked after it and succeeded. (A write invoked before the fault may
complete after it without the cluster having recovered: it was already committed.) A fault
with no successful write after it is reported as not recovered.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from conformance.history.durability import FINAL
from conformance.history.ops import Fault, History

RECOVERY_KINDS = ("kill", "pause", "partition", "restart-all")


@dataclass
class Recovery:
    fault: str
    nodes: list[str]
    at: float
    seconds: float | None  # None: no write succeeded after it


@dataclass
class Figures:
    seconds: float
    operations: int
    ok: int
    failed: int
    unknown: int
    ops_per_s: float
    success_ratio: float
    p50_ms: float | None
    p99_ms: float | None
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    recoveries: list[Recovery] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)

    def leader_recoveries(self) -> list[Recovery]:
        return [r for r in self.recoveries if r.fault in ("kill", "restart-all")]


def figures(history: History, seconds: float | None = None) -> Figures:
    ops = [op for op in history.ops if op.process != FINAL]
    span = seconds if seconds is not None else history.duration
    ok = [op for op in ops if op.status == "ok"]
    lat = sorted((op.complete - op.invoke) for op in ok if op.complete is not None)
    by_kind: dict[str, dict[str, int]] = {}
    for op in ops:
        row = by_kind.setdefault(op.kind, {"ok": 0, "fail": 0, "unknown": 0})
        row[op.status] += 1
    writes = sorted((op.complete, op.invoke) for op in ok if op.is_write
                    and op.complete is not None)
    recoveries = [_recovery(f, writes) for f in history.faults
                  if f.kind in RECOVERY_KINDS and (f.leader or f.kind == "restart-all")]
    return Figures(
        seconds=round(span, 3), operations=len(ops), ok=len(ok),
        failed=sum(op.status == "fail" for op in ops),
        unknown=sum(op.status == "unknown" for op in ops),
        ops_per_s=round(len(ok) / span, 1) if span > 0 else 0.0,
        success_ratio=round(len(ok) / len(ops), 4) if ops else 0.0,
        p50_ms=_pct(lat, 0.50), p99_ms=_pct(lat, 0.99), by_kind=by_kind,
        recoveries=recoveries)


def _pct(sorted_seconds: list[float], q: float) -> float | None:
    if not sorted_seconds:
        return None
    i = min(len(sorted_seconds) - 1, int(q * len(sorted_seconds)))
    return round(1000 * sorted_seconds[i], 2)


def _recovery(fault: Fault, writes: list[tuple[float, float]]) -> Recovery:
    first = min((done for done, invoked in writes if invoked >= fault.start), default=None)
    return Recovery(fault.kind, fault.nodes, round(fault.start, 3),
                    None if first is None else round(first - fault.start, 3))
