"""The ``conform`` parser loads only the command it is given: a server process (``conform
cluster node``) must not wait for the TLA+ engine, Hypothesis and Z3 to import, since every
restart of a cluster waits for it; with no command, or one it does not know, every command is
there (for ``--help`` and the error's list)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("conformance.tla.syntax", "hypothesis", "z3", "conformance.schedules.campaign")


def _loaded(argv: list[str]) -> tuple[list[str], list[str]]:
    code = ("import json, sys; from conformance.cli import build_parser; "
            f"p = build_parser({argv!r}); "
            "print(json.dumps([sorted(p._subparsers._group_actions[0].choices), "
            f"[m for m in {HEAVY!r} if m in sys.modules]]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    commands, heavy = json.loads(out)
    return commands, heavy


def test_a_named_command_loads_only_its_own_module():
    commands, heavy = _loaded(["--debug", "cluster", "node", "--id", "s1"])
    assert commands == ["cluster"]
    assert heavy == []


def test_a_command_spelled_with_a_dash_loads_its_module():
    commands, _ = _loaded(["tlc-suite", "--help"])
    assert commands == ["tlc-suite"]


def test_without_a_known_command_every_command_is_there():
    every, heavy = _loaded([])
    assert {"cluster", "validate", "tlc-suite", "trace"} <= set(every)
    assert heavy  # the whole CLI, as before
    for argv in (["--help"], ["nosuch"], ["tlcsuite"]):
        assert _loaded(argv)[0] == every
