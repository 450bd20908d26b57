"""Fuzzing the trace readers: mutated traces of the regression corpus, fed to every command
that reads a trace (`trace show`, `trace itf`, `validate`, `replay`), must each end in a
verdict or one clear error; never a Python traceback. A mutation that gives a field of the
format the wrong JSON type must be refused, never accepted silently.

Seeded, so a failure names a mutant that can be rebuilt; the seed moves with
CONFORM_FUZZ_SEED for longer runs elsewhere (CONFORM_FUZZ_COUNT sets how many).
"""

from __future__ import annotations

import copy
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.trace import TraceFileError
from conformance.trace.files import parse_trace

CORPUS = sorted((Path(__file__).resolve().parent.parent / "traces" / "corpus").glob("*.ndjson"))
SEED = int(os.environ.get("CONFORM_FUZZ_SEED", "20261204"))
COUNT = int(os.environ.get("CONFORM_FUZZ_COUNT", "300"))
RUN_EVERY = 12  # every 12th mutant that parses is also validated and replayed (they run code)

WEIRD: list[Any] = [None, True, False, 0, -1, 1.0, 0.5, 2**70, "", "x", "\ud800", [], {},
                    [[[]]], {"#set": 3}, {"#set": [1, 1]}, {"#bigint": "0000"}, {"#bigint": "7"},
                    {"#mv": ""}, {"#mv": "s1"}, {"#tup": [1]}, {"#map": [[1]]}, {"#what": 1},
                    {"#map": [[{"#mv": "s1"}, 1], [{"#mv": "s1"}, 2]]}, "9" * 40]

# fields of the format whose JSON type is fixed: a value of another type must be refused
HEADER_TYPES = {"version": int, "spec": str, "variables": list, "constants": dict,
                "origin": dict, "schedule": list, "cluster": dict}
STEP_TYPES = {"index": int, "action": str, "state": dict, "params": dict, "node": str,
              "decision": int}


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if type(data) is dict:
        for k, v in data.items():
            out.extend(_paths(v, prefix + (k,)))
    elif type(data) is list:
        for i, v in enumerate(data):
            out.extend(_paths(v, prefix + (i,)))
    return out


def _set(data: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return data


def _delete(data: Any, path: tuple) -> None:
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]


def mutate(lines: list[str], rng: random.Random) -> tuple[list[str], str, bool]:
    """A mutant, what was done, and whether the format requires it to be refused."""
    lines = list(lines)
    n = rng.randrange(len(lines))
    how = rng.choice(["value", "value", "value", "delete", "bytes", "lines", "duplicate-key"])
    if how == "bytes":
        raw = bytearray(lines[n].encode())
        for _ in range(rng.randint(1, 4)):
            if raw:
                raw[rng.randrange(len(raw))] = rng.randrange(256)
        lines[n] = raw.decode("utf-8", errors="replace")
        return lines, f"line {n + 1}: bytes changed", False
    if how == "lines":
        k = rng.randrange(len(lines))
        op = rng.choice(["drop", "repeat", "swap", "truncate"])
        if op == "drop":
            del lines[k]
        elif op == "repeat":
            lines.insert(k, lines[k])
        elif op == "swap":
            lines[n], lines[k] = lines[k], lines[n]
        else:
            lines[k] = lines[k][: rng.randrange(len(lines[k]) + 1)]
        return lines, f"lines {n + 1}/{k + 1}: {op}", False
    data = json.loads(lines[n])
    if how == "duplicate-key":
        key = rng.choice(sorted(data))
        lines[n] = lines[n][:-1] + f',"{key}":' + json.dumps(data[key]) + "}"
        return lines, f"line {n + 1}: key {key!r} twice", True
    path = rng.choice(_paths(data)[1:])
    top = path[0]
    types = HEADER_TYPES if n == 0 else STEP_TYPES
    if how == "delete":
        _delete(data, path)
        required = len(path) == 1 and top in (("version", "spec") if n == 0
                                              else ("index", "action", "state"))
        lines[n] = json.dumps(data)
        return lines, f"line {n + 1}: {'.'.join(map(str, path))} deleted", required
    value = copy.deepcopy(rng.choice(WEIRD))
    _set(data, path, value)
    lines[n] = json.dumps(data)
    must_fail = len(path) == 1 and top in types and value is not None and (
        type(value) is not types[top])
    return lines, f"line {n + 1}: {'.'.join(map(str, path))} = {json.dumps(value)[:30]}", must_fail


def _run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as e:  # argparse
        return int(e.code or 0)


def test_mutated_traces_end_in_a_verdict_or_one_error(tmp_path, capsys):
    rng = random.Random(SEED)
    sources = [p.read_text().splitlines() for p in CORPUS]
    assert sources, "the regression corpus is empty"
    refused = parsed = ran = 0
    for k in range(COUNT):
        lines, what, must_fail = mutate(rng.choice(sources), rng)
        mutant = tmp_path / f"m{k}.ndjson"
        mutant.write_text("\n".join(lines) + "\n", errors="surrogatepass")
        label = f"mutant {k} (seed {SEED}): {what}"
        try:
            parse_trace(lines, str(mutant))
        except TraceFileError:
            refused += 1
        else:
            assert not must_fail, f"{label}: accepted, but the format forbids it"
            parsed += 1
        commands = [["trace", "show", str(mutant)],
                    ["trace", "itf", str(mutant), "-o", str(tmp_path / "m.itf.json")]]
        if parsed and parsed % RUN_EVERY == 0:
            commands += [["validate", str(mutant)], ["replay", str(mutant)]]
            ran += 1
        for argv in commands:
            try:
                code = _run(argv)
            except Exception as e:  # noqa: BLE001 - exactly what must not happen
                pytest.fail(f"{label}: `conform {' '.join(argv[:2])}` raised "
                            f"{type(e).__name__}: {e}")
            err = capsys.readouterr().err
            assert code in (0, 1, 2, 3), f"{label}: exit {code}"
            assert "Traceback" not in err, f"{label}: {err}"
    assert refused and parsed and ran  # the mix reaches both the errors and the checkers
