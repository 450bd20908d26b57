"""Mutated specs and models for fuzzing the engine: small edits of the test specs and their
.cfg files that a person could make by mistake (a token dropped, a name swapped for another,
a line doubled, a number changed, a prime added, an operator changed, a model naming the
wrong thing). The engine must answer each with a verdict or one clear error, never a Python
exception, and within its limits.

``mutants(seed, count)`` is deterministic for a seed; ``test_fuzz.py`` runs a bounded number
in the suite, and ``python tests/tla/fuzzing.py SEED COUNT`` runs a longer campaign.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SPECS = Path(__file__).parent / "specs"
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+|\\[a-z]+|[-+*/=#<>~|&.:@!^$%]+|'|\S")
_IDENT = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]*\b")
_NUMBER = re.compile(r"\b\d+\b")
_KEYWORDS = {"MODULE", "EXTENDS", "VARIABLE", "VARIABLES", "CONSTANT", "CONSTANTS", "LET",
             "IN", "IF", "THEN", "ELSE", "CASE", "OTHER", "CHOOSE", "EXCEPT", "UNCHANGED",
             "SUBSET", "UNION", "DOMAIN", "ENABLED", "TRUE", "FALSE", "BOOLEAN", "INSTANCE",
             "WITH", "ASSUME", "RECURSIVE", "LOCAL", "LAMBDA", "STRING"}
_OPERATORS = [("\\cup", "\\cap"), ("=", "#"), ("\\in", "\\subseteq"), ("/\\", "\\/"),
              ("+", "-"), ("<", ">="), ("..", "\\X"), ("'", ""), ("[]", "<>")]
_NUMBERS = ["0", "1", "-1", "36", "31", "9000000", "2147483648"]
_CFG_WORDS = ["INIT", "NEXT", "SPECIFICATION", "INVARIANT", "PROPERTY", "CONSTANT",
              "CONSTRAINT", "ACTION_CONSTRAINT", "SYMMETRY", "VIEW", "CHECK_DEADLOCK"]


@dataclass
class Mutant:
    name: str  # the module's name: the .tla file is written as name.tla
    tla: str
    cfg: str
    how: str  # what was changed, for the failure message


def _base() -> list[tuple[str, str, str]]:
    out = []
    for tla in sorted(SPECS.glob("*.tla")) + sorted((SPECS / "pinned").glob("*.tla")):
        cfgs = sorted(tla.parent.glob(f"{tla.stem}*.cfg"))
        text = tla.read_text()
        for cfg in cfgs[:2]:
            out.append((tla.stem, text, cfg.read_text()))
    return out


def _identifiers(text: str) -> list[str]:
    return sorted({w for w in _IDENT.findall(text) if w not in _KEYWORDS and not w.isdigit()})


def _mutate_tla(rng: random.Random, name: str, text: str) -> tuple[str, str]:
    lines = text.split("\n")
    body = [i for i, line in enumerate(lines) if line.strip() and
            not line.startswith(("----", "====", "\\*"))]
    kind = rng.choice(["drop", "swap", "double", "number", "prime", "operator", "delete-line",
                       "header", "subset"])
    if kind == "header":
        return text.replace(f"MODULE {name}", f"MODULE {name}x", 1), kind
    if not body:
        return text, "none"
    i = rng.choice(body)
    line = lines[i]
    if kind == "drop":
        tokens = list(_TOKEN.finditer(line))
        if tokens:
            t = rng.choice(tokens)
            lines[i] = line[:t.start()] + line[t.end():]
    elif kind == "swap":
        names = _identifiers(text)
        here = [m for m in _IDENT.finditer(line) if m.group() in names]
        if here and names:
            m = rng.choice(here)
            lines[i] = line[:m.start()] + rng.choice(names) + line[m.end():]
    elif kind == "double":
        lines.insert(i, line)
    elif kind == "number":
        nums = list(_NUMBER.finditer(line))
        if nums:
            m = rng.choice(nums)
            lines[i] = line[:m.start()] + rng.choice(_NUMBERS) + line[m.end():]
    elif kind == "prime":
        here = list(_IDENT.finditer(line))
        if here:
            m = rng.choice(here)
            lines[i] = line[:m.end()] + "'" + line[m.end():]
    elif kind == "operator":
        a, b = rng.choice(_OPERATORS)
        if a in line:
            lines[i] = line.replace(a, b, 1)
        elif b and b in line:
            lines[i] = line.replace(b, a, 1)
    elif kind == "delete-line":
        del lines[i]
    elif kind == "subset":
        here = list(_IDENT.finditer(line))
        if here:
            m = rng.choice(here)
            lines[i] = line[:m.start()] + "SUBSET SUBSET " + line[m.start():]
    return "\n".join(lines), kind


def _mutate_cfg(rng: random.Random, tla: str, cfg: str) -> tuple[str, str]:
    lines = [line for line in cfg.split("\n")]
    kind = rng.choice(["drop-line", "rename", "add", "value"])
    names = _identifiers(tla) or ["x"]
    if kind == "drop-line" and lines:
        del lines[rng.randrange(len(lines))]
    elif kind == "rename":
        idx = [i for i, line in enumerate(lines) if _IDENT.search(line)]
        if idx:
            i = rng.choice(idx)
            words = list(_IDENT.finditer(lines[i]))
            m = rng.choice(words)
            lines[i] = lines[i][:m.start()] + rng.choice(names) + lines[i][m.end():]
    elif kind == "add":
        lines.append(f"{rng.choice(_CFG_WORDS)} {rng.choice(names)}")
    elif kind == "value":
        lines.append(f"CONSTANT {rng.choice(names)} = "
                     f"{rng.choice(['{a, b}', '3', 'a', '{}', '<<1, 2>>', '[x |-> 1]'])}")
    return "\n".join(lines), "cfg-" + kind


def mutants(seed: int, count: int) -> Iterator[Mutant]:
    rng = random.Random(seed)
    base = _base()
    for n in range(count):
        name, tla, cfg = rng.choice(base)
        hows = []
        for _ in range(rng.choice([1, 1, 2])):
            if rng.random() < 0.7:
                tla, how = _mutate_tla(rng, name, tla)
            else:
                cfg, how = _mutate_cfg(rng, tla, cfg)
            hows.append(how)
        yield Mutant(name, tla, cfg, f"#{n} {name}: {', '.join(hows)}")


def check(m: Mutant, folder: Path, timeout: float = 5.0):
    """Check one mutant with the engine; a Python exception propagates (that is the bug)."""
    from conformance.tla import check_model

    for other in (SPECS / "Inner.tla",):  # modules the test specs instantiate
        (folder / other.name).write_text(other.read_text())
    tla = folder / f"{m.name}.tla"
    tla.write_text(m.tla)
    cfg = folder / f"{m.name}.cfg"
    cfg.write_text(m.cfg)
    return check_model(tla, cfg, timeout=timeout, max_memory=1 << 30)


def tlc_check(m: Mutant, folder: Path, timeout: float = 60.0):
    """The same mutant checked by the real TLC (the bridge's reading of its output)."""
    import shutil

    from conformance.tlc.runner import build_result, run_command
    from conformance.tlc.toolchain import find_toolchain

    tools = find_toolchain()
    states = folder / ".states"
    cmd = tools.command() + ["-tool", "-workers", "1", "-nowarning", "-noGenerateSpecTE",
                             "-metadir", str(states), "-config", f"{m.name}.cfg", m.name]
    try:
        report, status, timed_out, duration = run_command(cmd, folder, timeout)
    finally:
        shutil.rmtree(states, ignore_errors=True)
    return build_result(report, spec=folder / f"{m.name}.tla", config=folder / f"{m.name}.cfg",
                        exit_status=status, timed_out=timed_out, duration=duration)


def _class(outcome) -> str:
    return "rejected by SANY" if outcome.value in ("parse error", "semantic error") \
        else outcome.value


if __name__ == "__main__":  # a longer campaign: python tests/tla/fuzzing.py SEED COUNT [--tlc]
    import tempfile
    import traceback

    seed, count = int(sys.argv[1]), int(sys.argv[2])
    with_tlc = "--tlc" in sys.argv
    failures = 0
    with tempfile.TemporaryDirectory() as d:
        for m in mutants(seed, count):
            try:
                r = check(m, Path(d))
            except BaseException:  # noqa: BLE001 - report every escape
                failures += 1
                print(f"FAIL {m.how}\n{traceback.format_exc()}\n--- tla\n{m.tla}\n--- cfg\n"
                      f"{m.cfg}\n")
                continue
            if not with_tlc:
                print(f"ok   {m.how}: {r.outcome.value}", flush=True)
                continue
            t = tlc_check(m, Path(d))
            same = _class(r.outcome) == _class(t.outcome) and (
                not r.ok or (r.distinct_states, r.states_generated) ==
                (t.distinct_states, t.states_generated))
            if same or t.outcome.value == "timeout" or r.outcome.value == "timeout":
                print(f"same {m.how}: {r.outcome.value}", flush=True)
                continue
            failures += 1
            print(f"DIFF {m.how}: engine {r.outcome.value} ({r.message[:200]!r}; "
                  f"{r.distinct_states}/{r.states_generated}), TLC {t.outcome.value} "
                  f"({t.message[:200]!r}; {t.distinct_states}/{t.states_generated})\n"
                  f"--- tla\n{m.tla}\n--- cfg\n{m.cfg}\n", flush=True)
    print(f"{failures} failures in {count} mutants")
