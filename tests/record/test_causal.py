"""Validating merged runs: some causal order must be a behavior of the spec; when none is,
the event no order explains is named with its file, line, conjunct and differences."""

from __future__ import annotations

import json
import random
from types import SimpleNamespace

import pytest

from conformance import protocols
from conformance.record import UNKNOWN
from conformance.record.merge import merge
from conformance.record.reader import Received, read_node_file
from conformance.trace.files import TraceFileError
from conformance.validate import SpecEngine
from conformance.validate.causal import CausalValidator
from conformance.validate.report import LED_ELSEWHERE, NOT_ENABLED
from conformance.values import Fn, ModelValue, Tup
from impl.raft.recording import NodeTrace
from tests.record.cores import IDS, Cores, as_version_1

RAFT = protocols.get("raft")
_ENGINES: dict = {}


def validate(tmp_path, max_states: int = 100_000):
    m = merge([read_node_file(p) for p in sorted(tmp_path.glob("*.ndjson"))])
    key = json.dumps(sorted((k, repr(v)) for k, v in m.constants.items()))
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = SpecEngine(RAFT.spec, m.constants, RAFT.invariants,
                                            RAFT.properties)
    return CausalValidator(engine, m, max_states=max_states).run(m.initial), m


def rewrite(tmp_path, change) -> None:
    for p in tmp_path.glob("*.ndjson"):
        out = []
        for line in p.read_text().splitlines():
            data = json.loads(line)
            change(data)
            out.append(json.dumps(data))
        p.write_text("\n".join(out) + "\n")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_runs_with_losses_duplicates_and_crashes_conform(tmp_path, seed):
    Cores(tmp_path, seed=seed).random_run(500)
    r, m = validate(tmp_path)
    assert r.conforms, r.divergence and r.divergence.render()
    assert len(r.order) == m.events and r.states == m.events + 1  # the clocks' order held
    assert any(it.restart for c in m.chains.values() for it in c)


def test_without_clocks_or_with_wrong_ones_the_search_finds_an_order(tmp_path):
    Cores(tmp_path, seed=4).random_run(300)
    rng = random.Random(0)
    rewrite(tmp_path, lambda d: d.update(t=rng.randrange(10**6)) if "n" in d else None)
    r, m = validate(tmp_path)
    assert r.conforms and len(set(r.order)) == m.events
    rewrite(tmp_path, lambda d: d.pop("t", None))
    r, m = validate(tmp_path)
    assert r.conforms and r.states > m.events  # it had to look beyond one order


def test_a_crash_may_undo_the_steps_no_one_saw(tmp_path):
    Cores(tmp_path, seed=5).random_run(600, torn=0.05)
    r, m = validate(tmp_path)
    assert any(it.undo_from is not None for c in m.chains.values() for it in c)
    assert r.conforms, r.divergence and r.divergence.render()


def test_a_planted_bug_is_the_event_no_order_explains(tmp_path):
    Cores(tmp_path, seed=3, bugs=("vote_without_log_check",)).random_run(600)
    r, m = validate(tmp_path)
    assert not r.conforms
    d = r.divergence
    assert d.action in ("HandlePreVoteRequest", "HandleRequestVoteRequest")
    assert d.kind == LED_ELSEWHERE and d.where.file.endswith(".ndjson") and d.where.line > 1
    line = json.loads((tmp_path / d.where.file.split("/")[-1]).read_text()
                      .splitlines()[d.where.line - 1])
    assert line["action"] == d.action
    assert ("votedFor'" in d.conjunct or "msgs'" in d.conjunct) and "Raft.tla" in str(d.position)
    assert any(x.path.endswith(".granted") for x in d.differences)  # the vote it gave


def test_a_node_that_forgets_its_vote_diverges_at_its_restart(tmp_path):
    Cores(tmp_path, seed=2, bugs=("forget_vote_on_restart",)).random_run(400)
    r, _ = validate(tmp_path)
    d = r.divergence
    assert d is not None and d.action == "Restart" and d.kind == LED_ELSEWHERE
    assert "votedFor" in d.conjunct
    assert [x.path for x in d.differences] == [f"votedFor[{d.node}]"]


class _Partial(NodeTrace):
    """A node that keeps no matchIndex, does not know its nextIndex entries for the others,
    and carries no read context in its AppendEntries responses: those parts are left out
    (the mapping a stranger's implementation might need)."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        message = self.absn.message

        def no_ctx(m, **kw):
            v = message(m, **kw)
            if v.map["type"] == "AppendEntriesResponse":
                return type(v)({**v.map, "ctx": UNKNOWN})
            return v

        self.absn.message = no_ctx  # type: ignore[method-assign]

    def own(self, node, params):
        out = self.absn.own(node)
        out["nextIndex"] = type(out["nextIndex"])(
            {k: (v if k.name == node.id else UNKNOWN) for k, v in out["nextIndex"].map.items()})
        del out["matchIndex"]
        return out, None


def test_partial_traces_conform_and_still_catch_a_bug(tmp_path):
    make = lambda p, i, o: _Partial(p, i, IDS, IDS, o)  # noqa: E731
    Cores(tmp_path / "ok", seed=6, tracer=make).random_run(400)
    assert '"#unknown"' in (tmp_path / "ok" / "s1.ndjson").read_text()
    r, _ = validate(tmp_path / "ok")
    assert r.conforms, r.divergence and r.divergence.render()
    Cores(tmp_path / "bug", seed=1, tracer=make,
          bugs=("truncate_without_conflict",)).random_run(600)
    r, _ = validate(tmp_path / "bug")
    d = r.divergence
    assert d is not None and d.action == "HandleAppendEntriesRequest"
    assert d.conjunct.startswith("log' =")  # named although the state is partial


def test_a_receive_no_send_explains_shows_what_was_in_flight_field_by_field(tmp_path):
    Cores(tmp_path, seed=1).random_run(300, crashes=False)
    as_version_1(tmp_path)  # receives matched by content: a system without wire ids
    p = tmp_path / "s2.ndjson"
    lines = p.read_text().splitlines()
    k = next(n for n, line in enumerate(lines) if '"HandleAppendEntriesRequest"' in line)
    data = json.loads(lines[k])
    data["params"]["m"]["commitIndex"] += 7  # the receiver's view of it is wrong
    lines[k] = json.dumps(data)
    p.write_text("\n".join(lines) + "\n")
    r, _ = validate(tmp_path)
    d = r.divergence
    assert d is not None and d.kind == NOT_ENABLED and d.where.line == k + 1
    assert "BagIn" in d.conjunct or "InFlight" in d.conjunct
    text = "\n".join(d.notes)
    assert "no message that s1 sent to s2" in text or "in flight from" in text
    assert "m.commitIndex: received" in text


@pytest.mark.parametrize("seed", [1, 2])
def test_a_run_named_by_wire_ids_merges_as_the_same_run_written_whole(tmp_path, seed):
    # The servers' receives name their message by its wire id alone (format 2), and a
    # leader's AppendEntries give their entries as a slice of its log (format 3); the same
    # run written as a system without ids writes it (format 1: every message whole, every
    # receive whole, matched by content) merges to the same receives of the same messages,
    # and both conform.
    Cores(tmp_path / "ids", seed=seed).random_run(400)
    files = sorted((tmp_path / "ids").glob("*.ndjson"))
    text = "".join(p.read_text() for p in files)
    assert '"param":"m"' in text and '"version":3' in text
    assert '"slices":{"entries":["log",' in text
    by_id = [json.loads(line) for line in text.splitlines() if '"recv"' in line]
    assert by_id and all("m" not in (d["actions"][0] if "actions" in d else d)["params"]
                         for d in by_id)  # the receiver never wrote the message
    (tmp_path / "whole").mkdir()
    for p in files:
        (tmp_path / "whole" / p.name).write_text(p.read_text())
    as_version_1(tmp_path / "whole")
    got = {}
    for name in ("ids", "whole"):
        r, m = validate(tmp_path / name)
        assert r.conforms, r.divergence and r.divergence.render()
        got[name] = [(it.node, it.index, it.actions,  # equal messages are interchangeable
                      None if it.recv is None else m.messages[it.recv].value)
                     for c in m.chains.values() for it in c]
    assert got["ids"] == got["whole"]


def test_a_receive_by_id_whose_sender_has_no_trace_names_the_missing_file(tmp_path):
    Cores(tmp_path, seed=1).random_run(100, crashes=False)
    (tmp_path / "s1.ndjson").unlink()
    with pytest.raises(TraceFileError, match="no trace of s1.*missing"):
        validate(tmp_path)


def test_a_value_agreed_as_a_function_then_compared_as_a_sequence():
    # A replica's decided slots are a function while they have gaps and a sequence once the
    # gaps fill; the validator remembers the last agreeing pair of a node's variable to
    # compare only what grew, and must not read a function it kept as a sequence (a
    # Multi-Paxos cluster run in CI ended in a KeyError there).
    me = ModelValue("s1")
    v = SimpleNamespace(_agreed={})
    own = CausalValidator._own_matches
    gaps = Fn({1: "a", 3: "c"})
    assert own(v, 0, 0, Fn({me: gaps}), me, Fn({1: "a", 3: "c"}))
    filled = Tup(("a", "b", "c"))
    assert own(v, 0, 0, Fn({me: filled}), me, Tup(("a", "b", "c")))
    assert own(v, 0, 0, Fn({me: Tup((*filled, "d"))}), me, Tup(("a", "b", "c", "d")))
    assert not own(v, 0, 0, Fn({me: Tup((*filled, "d", "e"))}), me,
                   Tup(("a", "b", "c", "d", "x")))


@pytest.mark.parametrize("by_id", [True, False])
def test_a_received_message_reaches_the_spec_as_the_object_its_network_holds(by_id):
    # The receiver's log then holds the sender's very entries, and LogMatching compares the
    # two logs by identity: a message given by id alone (filled in by the merger from the
    # sender's recorded copy, an equal object) must be swapped for the network's too, or
    # validating a Raft run costs ~1.7x (measured on a 4,458-event cluster run)
    in_flight = Fn({"type": "AppendEntries", "entries": Tup(("x",))})
    recorded = Fn({"type": "AppendEntries", "entries": Tup(("x",))})
    v = SimpleNamespace(concrete_msgs={7: in_flight})
    r = Received("s1", None if by_id else recorded, "s1:9", "m" if by_id else None)
    it = SimpleNamespace(recv=7, event=SimpleNamespace(recv=r))
    params = {"i": ModelValue("s2"), "m": recorded}
    got = CausalValidator._spec_message(v, it, params)
    assert got["m"] is in_flight and got["i"] is params["i"]
    assert params["m"] is recorded  # the item's own parameters are left as recorded


def test_invariants_come_from_the_spec_when_the_header_names_no_protocol(tmp_path):
    import subprocess
    import sys

    Cores(tmp_path, seed=1).random_run(100, crashes=False)
    rewrite(tmp_path, lambda d: d.pop("protocol", None))
    r = subprocess.run([sys.executable, "-m", "conformance", "validate", str(tmp_path),
                        "--json"], capture_output=True, text=True, timeout=120)
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["verdict"] == "conforms"
    assert "LogMatching" in out["checked"]["invariants"]  # from specs/Raft.cfg
    assert "MonotonicTerm" in out["checked"]["properties"]


def test_an_action_property_a_step_breaks_is_the_events_failure(tmp_path):
    """An action property is checked on every step of the order found, as on a trace's
    (on the variables the step changed, by the quick checks where there are): the first
    step that breaks it is the event no order explains, with the property named."""
    import shutil

    from conformance.validate.report import PROPERTY

    runs = tmp_path / "run"
    runs.mkdir()
    Cores(runs, seed=2).random_run(200)
    m = merge([read_node_file(p) for p in sorted(runs.glob("*.ndjson"))])
    shutil.copy(RAFT.spec, tmp_path / "Raft.tla")
    (tmp_path / "Steady.tla").write_text(
        "---- MODULE Steady ----\nEXTENDS Raft\n"
        "TermsStay == [][\\A i \\in Server : currentTerm'[i] = currentTerm[i]]_vars\n====\n")
    engine = SpecEngine(tmp_path / "Steady.tla", m.constants, RAFT.invariants,
                        (*RAFT.properties, "TermsStay"))
    r = CausalValidator(engine, m, max_states=100_000).run(m.initial)
    d = r.divergence
    assert not r.conforms and d is not None and d.kind == PROPERTY
    assert d.violated == ["TermsStay"] and d.action in ("Timeout", "HandlePreVoteResponse")
    # the same run holds the spec's own properties
    engine = SpecEngine(tmp_path / "Steady.tla", m.constants, RAFT.invariants,
                        RAFT.properties)
    assert CausalValidator(engine, m, max_states=100_000).run(m.initial).conforms
