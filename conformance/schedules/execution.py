"""One run: a protocol's simulated cluster under a schedule, validated event by event.

The same class serves the Hypothesis campaign (which chooses each decision as it goes) and
the replay of a saved schedule (which applies the recorded decisions), so a replay takes
exactly the steps the original run took and meets the same divergence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from conformance.coverage.record import Coverage
from conformance.errors import UserError
from conformance.protocols import Protocol
from conformance.trace import Step
from conformance.validate import Divergence, SpecEngine, Validator
from conformance.values import to_tla
from impl.sim.world import Decision, DecisionError

_ENGINES: dict[tuple, SpecEngine] = {}
_BY_SETTINGS: dict[tuple, SpecEngine] = {}  # the same, found by the settings' JSON


def spec_engine(protocol: Protocol, settings: dict, branches: bool = True) -> SpecEngine:
    """The protocol's spec bound to the constants of this cluster (loaded once each);
    ``branches=False``: compiled without following branches (no coverage of them). A
    campaign asks once per example: settings met before are found by their JSON, without
    making and printing the constants."""
    try:
        seen: tuple | None = (protocol.name, json.dumps(settings, sort_keys=True), branches)
    except (TypeError, ValueError):  # not JSON: found by the constants alone
        seen = None
    eng = _BY_SETTINGS.get(seen) if seen is not None else None
    if eng is not None:
        return eng
    constants = protocol.constants(settings)
    key = (protocol.name, tuple((k, to_tla(v)) for k, v in constants.items()), branches)
    eng = _ENGINES.get(key)
    if eng is None:
        eng = _ENGINES[key] = SpecEngine(protocol.spec, constants, protocol.invariants,
                                         protocol.properties, branches=branches)
    if seen is not None:
        _BY_SETTINGS[seen] = eng
    return eng


@dataclass
class Execution:
    protocol: Protocol
    settings: dict[str, Any]
    bugs: tuple[str, ...] = ()
    check_invariants: bool = True  # off only to replay faster while shrinking
    coverage: Coverage | None = None  # told what each validated step reached
    branches: bool = True  # False: a spec compiled without following branches (bench)
    sim: Any = field(init=False)
    validator: Validator = field(init=False)
    steps: list[Step] = field(init=False)
    decisions: list[Decision] = field(init=False, default_factory=list)
    divergence: Divergence | None = field(init=False, default=None)
    error: str | None = field(init=False, default=None)  # the implementation raised this

    def __post_init__(self) -> None:
        self.sim = self.protocol.simulator(self.settings, self.bugs)
        if self.coverage is not None:
            self.coverage.begin_run(self.settings, self.decisions)
        self.validator = Validator(spec_engine(self.protocol, self.settings,
                                               branches=self.branches),
                                   check_invariants=self.check_invariants,
                                   coverage=self.coverage)
        self.steps = [self.sim.initial_step()]
        self.divergence = self.validator.start(self.steps[0])

    def apply(self, d: Decision) -> Divergence | None:
        """Carry out one decision and validate every event it produced, stopping at the
        first divergence (the events after it are not recorded)."""
        if self.divergence is not None:
            return self.divergence
        number = len(self.decisions)
        try:
            events = self.sim.apply(d)
        except DecisionError:
            raise
        except Exception:
            self.decisions.append(d)  # the decision the implementation broke on
            raise
        self.decisions.append(d)
        for ev in events:
            ev.extra["decision"] = number
            self.steps.append(ev)
            div = self.validator.step(ev)
            if div is not None:
                self.divergence = div
                return div
        return None

    @property
    def events(self) -> int:
        return len(self.steps) - 1

    def schedule(self) -> list[dict]:
        return [d.to_json() for d in self.decisions]


@dataclass
class ReplayResult:
    execution: Execution
    stopped_at: int | None = None  # the decision that could not be applied
    stop_reason: str = ""


def replay(protocol: Protocol, settings: dict, bugs: tuple[str, ...],
           schedule: Iterable[dict | Decision]) -> ReplayResult:
    """Apply a recorded schedule until it ends or the implementation diverges."""
    try:
        ex = Execution(protocol, settings, bugs)
    except UserError:
        raise
    except Exception as e:  # noqa: BLE001 - settings from a file that no cluster can have
        raise UserError(f"the saved cluster settings build no {protocol.name} cluster: "
                        f"{type(e).__name__}: {e}")
    result = ReplayResult(ex)
    if ex.divergence is not None:
        return result
    for n, raw in enumerate(schedule):
        try:
            d = raw if isinstance(raw, Decision) else Decision.from_json(raw)
        except (KeyError, TypeError) as e:
            raise UserError(f"decision {n} of the schedule is malformed: {e}")
        try:
            if ex.apply(d) is not None:
                break
        except DecisionError as e:
            result.stopped_at = n
            result.stop_reason = str(e)
            break
        except Exception as e:  # noqa: BLE001 - the implementation broke: report it
            ex.error = f"{type(e).__name__}: {e}"
            result.stopped_at = n
            result.stop_reason = f"the implementation raised {ex.error}"
            break
    return result
