"""Where two spec states differ, said so a person can read it.

A Raft state is a dozen functions over the servers, holding logs, sets and a bag of message
records; printing two such states whole hides the one entry that differs. :func:`diff_values`
walks both values together and reports only the differing sub-values, each at its path
(``log[s2][3].term``, ``msgs[<message>]``), so the report of a divergence names the place
where the implementation and the spec part ways.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conformance.values import Fn, FSet, Tup, is_record, sort_key, to_tla

Value = Any
MISSING = object()  # a key or element present on one side only


@dataclass(frozen=True)
class Difference:
    path: str  # e.g. log[s2][3].term
    observed: Value  # the implementation's value, or MISSING
    expected: Value  # the spec's value, or MISSING


def short(v: Value, limit: int = 160) -> str:
    """A value as TLA+ text, cut to ``limit`` characters."""
    if v is MISSING:
        return "(absent)"
    text = to_tla(v)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _key(k: Value) -> str:
    if is_record(k) and "type" in k.map:
        # a message record: its type, source and destination say which one it is
        brief = {f: k.map[f] for f in ("type", "term", "source", "dest") if f in k.map}
        rest = len(k.map) - len(brief)
        inner = ", ".join(f"{f} |-> {to_tla(x)}" for f, x in brief.items())
        return f"[{inner}{', ...' if rest else ''}]"
    return short(k, 60)


def diff_values(path: str, observed: Value, expected: Value,
                out: list[Difference] | None = None) -> list[Difference]:
    """Every smallest differing part of ``observed`` and ``expected``, under ``path``."""
    out = [] if out is None else out
    if observed == expected:
        return out
    to, te = type(observed), type(expected)
    if to is Fn and te is Fn:
        ko, ke = observed.map, expected.map
        record = is_record(observed) and is_record(expected)
        paired = _pair_keys([k for k in ko if k not in ke], [k for k in ke if k not in ko])
        for k in _ordered_union(ko, ke):
            sub = f"{path}.{k}" if record and type(k) is str else f"{path}[{_key(k)}]"
            a, b = ko.get(k, MISSING), ke.get(k, MISSING)
            if k in paired:
                if a is not MISSING:  # report each pair once, from the observed side
                    other = paired[k]
                    for d in diff_values("", k, other):
                        out.append(Difference(f"{path}[{_key(k)}] (key){d.path}",
                                              d.observed, d.expected))
                    if a != ke[other]:
                        diff_values(sub, a, ke[other], out)
            elif a is MISSING or b is MISSING:
                out.append(Difference(sub, a, b))
            elif a != b:
                diff_values(sub, a, b, out)
        return out
    if to is Tup and te is Tup:
        common = min(len(observed), len(expected))
        for n in range(common):
            if observed[n] != expected[n]:
                diff_values(f"{path}[{n + 1}]", observed[n], expected[n], out)
        for n in range(common, max(len(observed), len(expected))):
            a = observed[n] if n < len(observed) else MISSING
            b = expected[n] if n < len(expected) else MISSING
            out.append(Difference(f"{path}[{n + 1}]", a, b))
        return out
    if isinstance(observed, frozenset) and isinstance(expected, frozenset):
        extra = FSet(observed - expected)
        lacking = FSet(expected - observed)
        out.append(Difference(path + " (set)", extra if extra else MISSING,
                              lacking if lacking else MISSING))
        return out
    out.append(Difference(path, observed, expected))
    return out


def _pair_keys(only_observed: list, only_expected: list) -> dict:
    """Keys on one side only that are near-copies of a key on the other (a message whose
    one field differs): paired both ways, so the report shows the differing fields."""
    pairs: dict = {}
    taken: set[int] = set()
    for a in only_observed:
        if not is_record(a):
            continue
        best, best_n = None, None
        for n, b in enumerate(only_expected):
            if n in taken or not is_record(b) or a.map.keys() != b.map.keys():
                continue
            differing = sum(1 for f in a.map if a.map[f] != b.map[f])
            if differing * 2 < len(a.map) and (best_n is None or differing < best_n):
                best, best_n = n, differing
        if best is not None:
            taken.add(best)
            pairs[a] = only_expected[best]
            pairs[only_expected[best]] = a
    return pairs


def _ordered_union(a: dict, b: dict) -> list:
    keys = list(a)
    keys.extend(k for k in b if k not in a)
    try:
        return sorted(keys, key=sort_key)
    except Exception:  # noqa: BLE001 - keys TLC cannot compare: keep their order
        return keys


def diff_states(observed: dict[str, Value], expected: dict[str, Value]) -> list[Difference]:
    """The differences in the variables ``observed`` gives (it may omit some)."""
    out: list[Difference] = []
    for name, value in observed.items():
        if name in expected:
            diff_values(name, value, expected[name], out)
    return out


def describe(d: Difference) -> str:
    """One line: ``path: implementation X, spec Y`` (sets as what is extra and lacking)."""
    if d.path.endswith(" (set)"):
        parts = []
        if d.observed is not MISSING:
            parts.append(f"has {short(d.observed)} extra")
        if d.expected is not MISSING:
            parts.append(f"lacks {short(d.expected)}")
        return f"{d.path[:-6]}: the implementation " + " and ".join(parts)
    return f"{d.path}: implementation {short(d.observed)}, spec {short(d.expected)}"
