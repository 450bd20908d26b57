"""``conform replay FILE``: re-run the implementation under a saved schedule.

The file's header says which protocol, which cluster (variant settings, planted bugs) and
which decisions; the implementation is run again under them and every event is validated
against the spec, as in the campaign that wrote the file. A divergence is shown with its
report and exits 1 (and the replay says whether it is the one the file recorded); a run that
conforms says so and exits 0; a schedule that no longer applies (the implementation took
other steps, so a recorded decision names a message that does not exist) exits 3.

A spec counterexample (a trace of TLC or of the embedded engine, with no schedule) is first
converted into a schedule where it can be (see :mod:`conformance.schedules.counterexample`),
so a bug found in the model can be tried on the code.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="re-run the implementation under a saved schedule")
    p.add_argument("file", type=Path, help="a trace file with a schedule (traces/failing/...), "
                                           "or a spec counterexample")
    p.add_argument("--protocol", help="for a spec counterexample: the implementation to run")
    p.add_argument("--bug", help="for a spec counterexample: planted bug(s) to switch on")
    p.add_argument("--save", type=Path, help="for a spec counterexample: write the converted "
                                             "schedule and its run as a trace file here")
    p.add_argument("--json", action="store_true", help="print the outcome as JSON")
    p.set_defaults(func=_replay)


def _replay(args: argparse.Namespace) -> int:
    from conformance import protocols
    from conformance.schedules import failures
    from conformance.schedules.execution import replay
    from conformance.trace import read_trace

    trace = read_trace(args.file)
    if trace.header.schedule is None:
        return _replay_counterexample(args, trace)
    saved = failures.load(args.file, protocols)
    protocol = protocols.get(saved.protocol)
    result = replay(protocol, saved.settings, saved.bugs, saved.schedule)
    return _report(args, result, saved.schedule, saved.divergence, saved.trace.steps)


def _report(args, result, schedule, recorded, recorded_steps) -> int:
    from conformance.cli.output import console, styled

    ex = result.execution
    out: dict = {"file": str(args.file), "protocol": ex.protocol.name,
                 "bugs": list(ex.bugs), "decisions": len(schedule),
                 "decisions_applied": len(ex.decisions), "events": ex.events}
    first_change = _first_change(recorded_steps, ex.steps)
    if first_change is not None:
        out["differs_from_recording_at_event"] = first_change
    if ex.error is not None:
        out["verdict"] = "implementation error"
        out["error"] = ex.error
        out["at_decision"] = result.stopped_at
        code = 1
    elif result.stopped_at is not None:
        out["verdict"] = "schedule no longer applies"
        out["stopped_at_decision"] = result.stopped_at
        out["reason"] = result.stop_reason
        code = 3
    elif ex.divergence is not None:
        out["verdict"] = "diverged"
        out["divergence"] = ex.divergence.to_json()
        if recorded:
            out["same_as_recorded"] = _same(ex.divergence, recorded)
        code = 1
    else:
        out["verdict"] = "conforms"
        code = 0
    if args.json:
        print(json.dumps(out, indent=2))
        return code
    bugs = f" with planted bug {', '.join(ex.bugs)}" if ex.bugs else ""
    console.print(styled(f"replayed {len(ex.decisions)} of {len(schedule)} decisions of ",
                         (str(args.file), "bold"), f" ({ex.protocol.name}{bugs}): "
                                                   f"{ex.events} events"))
    if first_change is not None:
        console.print(f"the implementation's steps differ from the recording from event "
                      f"{first_change} on", style="yellow")
    if ex.error is not None:
        console.print(styled(("the implementation raised an exception", "bold red"),
                             f" at decision {result.stopped_at}: {ex.error}"))
    elif code == 3:
        console.print(styled(("the schedule no longer applies", "bold magenta"),
                             f" at decision {result.stopped_at}: {result.stop_reason}"))
        console.print("every event up to there conforms to the spec")
    elif code == 1:
        console.print(styled(("diverges from the spec:", "bold red")))
        console.print(ex.divergence.render())
        if recorded:
            if out["same_as_recorded"]:
                console.print("the same divergence as recorded", style="green")
            else:
                console.print(styled(("recorded instead:", "yellow"),
                                     f" {recorded.get('summary')}"))
    else:
        console.print(styled(("conforms", "bold green"), f": all {ex.events} events are steps "
                             "of the spec and keep its invariants"))
        if recorded:
            console.print(styled(("the recorded divergence no longer happens:", "yellow"),
                                 f" {recorded.get('summary')}"))
    return code


def _same(div, recorded: dict) -> bool:
    return (div.index, div.action, div.kind) == (recorded.get("index"), recorded.get("action"),
                                                 recorded.get("kind"))


def _first_change(recorded, fresh) -> int | None:
    """The first event whose action, parameters or state differ from the recording."""
    for a, b in zip(recorded, fresh):
        if (a.action, a.params, a.state) != (b.action, b.params, b.state):
            return a.index
    if len(fresh) > len(recorded) and recorded:
        return len(recorded)
    return None


def _replay_counterexample(args: argparse.Namespace, trace) -> int:
    from conformance import protocols
    from conformance.cli.output import console, styled
    from conformance.errors import Position, UserError
    from conformance.schedules import failures
    from conformance.schedules.counterexample import to_schedule
    from conformance.schedules.execution import replay

    name = args.protocol or trace.header.protocol
    if name is None:
        raise UserError(f"{args.file} holds no schedule; to run a spec counterexample on the "
                        "implementation, say which one with --protocol",
                        Position(str(args.file), 1))
    protocol = protocols.get(name)
    bugs = protocol.check_bug(args.bug)
    conv = to_schedule(protocol, trace, bugs)
    if not args.json:
        console.print(styled(f"converted {conv.covered} of {conv.total} spec steps of ",
                             (str(args.file), "bold"),
                             f" into {len(conv.schedule)} decisions"))
        if conv.stuck is not None:
            console.print(styled((f"spec step {conv.stuck} has no counterpart in the "
                                  "implementation:", "yellow"), f" {conv.reason}"))
    result = replay(protocol, conv.settings, bugs, conv.schedule)
    if args.save:
        failures.save(result.execution, args.save.parent, name=args.save.name,
                      origin={"converted_from": str(args.file)})
    return _report(args, result, conv.schedule, None, [])
