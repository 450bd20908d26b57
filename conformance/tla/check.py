"""``check_model``: run the embedded engine on a spec and model, report as TLC does.

The answer is a :class:`~conformance.result.CheckResult` with the figures TLC prints
(states generated, distinct states, states left, depth), the outcome, the violated property
and a counterexample :class:`~conformance.trace.Trace`: the same types the TLC bridge
returns, so the two engines can be compared on any model.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conformance.errors import Position
from conformance.result import CheckResult, Outcome, Progress
from conformance.tla.compile import STATE
from conformance.tla.errors import EvalError, SpecError, Unsupported, position
from conformance.tla.explore import Explorer, SearchResult, explore
from conformance.tla.limits import (
    DEFAULT_MAX_SET_SIZE,
    Bounds,
    MemoryLimit,
    TimeLimit,
    default_memory,
    enforced,
)
from conformance.tla.model import Model, check_assumptions, load
from conformance.tla.stack import with_room
from conformance.trace.schema import INIT, Step, Trace, TraceHeader
from conformance.values import make_fn

_KIND_OUTCOME = {
    "parse": Outcome.PARSE_ERROR,
    "semantic": Outcome.SEMANTIC_ERROR,
    "config": Outcome.CONFIG_ERROR,
    "unsupported": Outcome.SEMANTIC_ERROR,
}


def check_model(spec: Path | str, config: Path | str | None = None, *, workers: int = 1,
                timeout: float | None = None,
                progress: Callable[[Progress], None] | None = None,
                check_deadlock: bool | None = None, max_memory: int | None = None,
                max_set_size: int | None = None,
                cyclic_redefinitions: bool = False, keep_going: bool = False,
                invariants: tuple[str, ...] = ()) -> CheckResult:
    """Model-check ``spec`` with ``config`` (default: the .cfg next to the spec).

    Errors in the input come back as results (PARSE_ERROR, SEMANTIC_ERROR, CONFIG_ERROR with
    positions), like the TLC bridge reports them; nothing is raised for a bad spec.
    ``workers`` > 1 runs the search on that many processes (see parallel.py), with the same
    figures; a model with temporal properties is searched in this process.
    ``timeout`` (seconds) and ``max_memory`` (bytes; default a quarter of the machine's, as
    Java gives TLC) hold anywhere in the run (see :mod:`conformance.tla.limits`), and
    ``max_set_size`` is TLC's -maxSetSize; ``cyclic_redefinitions`` TLC's
    -Dtlc2.tool.impl.SpecProcessor.allowCyclicRedefinitions=true (see ``load``);
    ``keep_going`` TLC's -continue: the search goes on past violated invariants and the
    first is reported with the figures of the whole search; ``invariants`` TLC's -inv:
    invariants written as expressions.
    """
    spec = Path(spec)
    cfg = Path(config) if config is not None else spec.with_suffix(".cfg")
    started = time.monotonic()
    base: dict[str, Any] = dict(engine="embedded", spec=spec.stem, model=cfg.name)
    memory = max_memory if max_memory is not None else default_memory()
    saved_bound = Bounds.max_set_size
    Bounds.max_set_size = max_set_size or DEFAULT_MAX_SET_SIZE
    try:
        with enforced(timeout, memory):
            return with_room(_check, spec, cfg, timeout, progress, check_deadlock, started,
                             base, workers, cyclic_redefinitions, keep_going,
                             tuple(invariants))
    except TimeLimit as e:
        return CheckResult(Outcome.TIMEOUT, message=e.message,
                           duration=time.monotonic() - started, **base)
    except MemoryLimit as e:
        return CheckResult(Outcome.TLC_FAILURE, message=e.message,
                           duration=time.monotonic() - started, **base)
    except MemoryError:
        return CheckResult(Outcome.TLC_FAILURE, message="the engine ran out of memory (the "
                           "process's limit was reached)",
                           duration=time.monotonic() - started, **base)
    except RecursionError:
        return CheckResult(Outcome.TLC_FAILURE, message="The spec nests deeper than the "
                           "engine can follow (Python's recursion limit).",
                           duration=time.monotonic() - started, **base)
    except SpecError as e:
        outcome = _KIND_OUTCOME.get(e.kind, Outcome.SEMANTIC_ERROR)
        result = CheckResult(outcome, message=e.message, positions=list(e.positions),
                             duration=time.monotonic() - started, **base)
        if isinstance(e, Unsupported):
            result.warnings.append(f"unsupported: {e.feature}")
        return result
    except EvalError as e:
        return CheckResult(Outcome.EVALUATION_ERROR, message=e.message,
                           positions=[position(loc) for loc in e.nested()],
                           duration=time.monotonic() - started, **base)
    finally:
        Bounds.max_set_size = saved_bound


def _check(spec: Path, cfg: Path, timeout, progress, check_deadlock, started: float,
           base: dict, workers: int = 1, cyclic_redefinitions: bool = False,
           keep_going: bool = False, invariants: tuple[str, ...] = ()) -> CheckResult:
    model = load(spec, cfg, check_deadlock=check_deadlock, need_behavior=False,
                 cyclic_redefinitions=cyclic_redefinitions, invariants=invariants)
    result = _search(model, timeout, progress, started, base, workers, keep_going)
    if model.runtime.rng.drawn:
        result.warnings.append(
            "random choices: the spec draws values at random (RandomElement...); the engine "
            f"drew them with seed {model.runtime.seed}, not as TLC does, so a result that "
            "depends on them may differ from TLC's")
    return result


def _search(model: Model, timeout, progress, started: float, base: dict, workers: int,
            keep_going: bool) -> CheckResult:
    model.keep_going = keep_going
    if keep_going or model.runtime.shared:
        # the parallel search stops at the first violation, and its workers would each
        # keep their own TLCGet figures and TLCSet registers
        workers = 1
    failed = check_assumptions(model)
    if failed is not None:
        assume, message = failed
        return CheckResult(Outcome.ASSUMPTION_FAILED,
                           violated=assume.name or str(assume.expr.loc), message=message,
                           positions=[position(assume.expr.loc)],
                           duration=time.monotonic() - started, **base)
    if model.init_fn is None or not model.variables:  # no variables: TLC finds no state
        if model.variables:
            return CheckResult(Outcome.CONFIG_ERROR, message="The configuration file must give "
                               "either SPECIFICATION or INIT and NEXT.",
                               duration=time.monotonic() - started, **base)
        return postconditions(model, CheckResult(
            Outcome.HOLDS, states_generated=0, distinct_states=0, states_left=0, depth=0,
            duration=time.monotonic() - started, **base))
    if model.temporal_properties:
        from conformance.tla.liveness import check_liveness

        out = check_liveness(model, timeout=timeout, progress=progress, started=started,
                             base=base)
        if model.possible and out.ok:  # the graph is not kept: the states are found again
            explorer = Explorer(model, timeout=timeout)
            explorer.run()
            out = possible(model, explorer, out)
        return postconditions(model, out)
    if model.possible:  # the states and steps are looked at again once the search is done
        explorer = Explorer(model, timeout=timeout, progress=progress)
        res = explorer.run()
        out = result_of(model, res, started, base)
        if out.ok:
            out = possible(model, explorer, out)
        return postconditions(model, out)
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        from conformance.tla.parallel import explore_parallel

        res = explore_parallel(model, workers, timeout=timeout, progress=progress)
    else:
        res = explore(model, timeout=timeout, progress=progress)
    return postconditions(model, result_of(model, res, started, base))


def possible(model: Model, explorer: Explorer, result: CheckResult) -> CheckResult:
    """TLC's _POSSIBLE (the _Possible module): each named state predicate must hold in some
    reachable state, each named action in some step; TLC reports one that never does as
    a false postcondition."""
    states = [entry[2] for entry in explorer.seen.values()]
    initial = [entry[2] for entry in explorer.seen.values() if entry[0] is None]
    counts = {check.name: 0 for check in model.possible}
    constraints = [c.code.fn for c in model.constraints]
    action_constraints = [c.code.fn for c in model.action_constraints]
    # TLC counts over what it generates and the model's constraints let through (it
    # counts in a constraint after the spec's own): initial states and every successor
    # (duplicates too) for a state predicate, every step for an action
    for s in states:
        succ: list = []
        for action in model.actions:
            model.successors(s, action, succ.append)
        succ = [t for t in succ if all(c((t, None)) is True for c in constraints) and
                all(c((s, t)) is True for c in action_constraints)]
        for check in model.possible:
            fn = check.code.fn
            if check.code.level <= STATE:
                counts[check.name] += sum(1 for t in succ if fn((t, None)) is True)
            else:
                counts[check.name] += sum(1 for t in succ if fn((s, t)) is True)
    for check in model.possible:
        if check.code.level <= STATE:
            counts[check.name] += sum(1 for s in initial if check.code.fn((s, None)) is True)
    model.runtime.registers["s:_possible"] = make_fn(counts)
    for check in model.possible:
        if not counts[check.name]:
            loc = check.loc
            result.outcome = Outcome.ASSUMPTION_FAILED
            result.violated = check.name
            result.message = (f"Postcondition {check.name} at line {loc.line}, col {loc.col} "
                              f"to line {loc.eline}, col {loc.ecol} of module {loc.module} "
                              "is false.")
            result.positions = [position(loc)]
            return result
    return result


def postconditions(model: Model, result: CheckResult) -> CheckResult:
    """TLC's POSTCONDITIONs: once the search is complete and found nothing, each is
    evaluated (TLCGet sees the final figures); a false one is reported as TLC reports a
    false assumption, one that cannot be evaluated as an evaluation error."""
    if not result.ok:
        return result
    for check in model.postconditions:
        where = f"line {check.loc.line}, col {check.loc.col} to line {check.loc.eline}, " \
                f"col {check.loc.ecol} of module {check.loc.module}"
        try:
            ok = check.code.fn((None, None))
        except EvalError as e:
            result.outcome = Outcome.EVALUATION_ERROR
            result.message = f"Evaluating postcondition {check.name} at {where} failed.\n" \
                             f"{e.message}"
            result.positions = [position(loc) for loc in e.nested()] or [position(check.loc)]
            return result
        if ok is not True:
            result.outcome = Outcome.ASSUMPTION_FAILED
            result.violated = check.name
            result.message = f"Postcondition {check.name} at {where} is false."
            result.positions = [position(check.loc)]
            return result
    return result


def result_of(model: Model, res: SearchResult, started: float, base: dict) -> CheckResult:
    """A CheckResult from a finished (or stopped) search."""
    out = CheckResult(Outcome.HOLDS, states_generated=res.generated,
                      distinct_states=res.distinct, states_left=res.left, depth=res.depth,
                      duration=time.monotonic() - started, **base)
    if res.timed_out:
        out.outcome = Outcome.TIMEOUT
        out.message = "the search did not finish in time"
        return out
    if res.stopped is not None:
        out.outcome = Outcome.TLC_FAILURE
        out.message = res.stopped
        return out
    v = res.violation
    if v is None:
        return out
    if v.kind in ("invariant", "init invariant"):
        out.outcome = Outcome.INVARIANT_VIOLATED
    elif v.kind in ("action property", "implied init"):
        out.outcome = Outcome.PROPERTY_VIOLATED
    elif v.kind == "deadlock":
        out.outcome = Outcome.DEADLOCK
    else:
        out.outcome = Outcome.EVALUATION_ERROR
    out.violated = v.name
    out.message = v.message
    out.positions = [position(loc) for loc in v.locs]
    out.counterexample = trace_of(model, v.trace, v.name)
    return out


def trace_of(model: Model, steps: list[tuple[int, tuple]], violated: str | None,
             loop: int | None = None) -> Trace:
    """A behavior (action index or -1, state) as a :class:`Trace`."""
    names = model.names
    header = TraceHeader(
        spec=model.module, model=Path(model.config.file).name, variables=list(names),
        constants=_constants(model), origin={"tool": "embedded"}, loop=loop, violated=violated)
    out = []
    for i, (ai, state) in enumerate(steps):
        if ai < 0:
            action = INIT if ai == -1 else "Stuttering"
            out.append(Step(index=i, action=action,
                            state=dict(zip(names, state, strict=True))))
            continue
        taken = model.actions[ai]
        loc = taken.loc
        out.append(Step(index=i, action=taken.name, state=dict(zip(names, state, strict=True)),
                        params=dict(taken.params) if taken.params else None,
                        location=Position(file=loc.module + ".tla", line=loc.line,
                                          column=loc.col, end_line=loc.eline,
                                          end_column=loc.ecol, module=loc.module)))
    return Trace(header, out)


def _constants(model: Model) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for sym, (kind, what) in model.comp.bindings.items():
        if kind == "value":
            out[sym.name] = what
    return out
