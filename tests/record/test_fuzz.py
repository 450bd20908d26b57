"""Node traces arrive from other people's systems: a mutated file is read, merged and validated
to a verdict or to one error naming the file, never to a traceback."""

from __future__ import annotations

import json
import random

from conformance.errors import UserError
from conformance.record.merge import merge
from conformance.record.reader import read_node_file
from tests.record.cores import Cores

_VALUES = [None, True, 0, -1, 1.5, 2**70, "", "x", [], {}, [1, 2], {"#mv": 3}, {"#set": 1},
           {"#unknown": True}, {"#map": [[1]]}, [[["log"], 1]], {"a": {"b": {"c": []}}}]


def _mutate(data, rng: random.Random):
    """One random change somewhere inside a JSON value."""
    if isinstance(data, dict) and data and rng.random() < 0.8:
        key = rng.choice(list(data))
        r = rng.random()
        if r < 0.2:
            del data[key]
        elif r < 0.6:
            data[key] = rng.choice(_VALUES)
        else:
            data[key] = _mutate(data[key], rng)
        return data
    if isinstance(data, list) and data and rng.random() < 0.8:
        k = rng.randrange(len(data))
        data[k] = _mutate(data[k], rng)
        return data
    return rng.choice(_VALUES)


def test_mutated_node_traces_give_a_verdict_or_one_error(tmp_path):
    base = tmp_path / "base"
    Cores(base, seed=7).random_run(120)
    originals = {p.name: p.read_text().splitlines() for p in base.glob("*.ndjson")}
    rng = random.Random(11)
    outcomes = {"error": 0, "merged": 0}
    for trial in range(150):
        d = tmp_path / f"t{trial}"
        d.mkdir()
        victim = rng.choice(sorted(originals))
        for name, lines in originals.items():
            lines = list(lines)
            if name == victim:
                k = rng.randrange(len(lines))
                if rng.random() < 0.15:
                    cut = rng.randrange(len(lines[k]))
                    lines[k] = lines[k][:cut]  # a broken line
                else:
                    lines[k] = json.dumps(_mutate(json.loads(lines[k]), rng))
            (d / name).write_text("\n".join(lines) + "\n")
        try:
            merge([read_node_file(p) for p in sorted(d.glob("*.ndjson"))])
            outcomes["merged"] += 1
        except UserError as e:
            assert str(d) in str(e) or "node" in str(e), str(e)
            outcomes["error"] += 1
        except Exception as e:  # noqa: BLE001
            raise AssertionError(f"trial {trial} ({victim})") from e
    assert outcomes["error"] > 30 and outcomes["merged"] > 10, outcomes
