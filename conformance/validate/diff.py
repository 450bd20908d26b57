"""Where two spec states differ, said so a person can read it.

A Raft state is a dozen functions over the servers, holding logs, sets and a bag of message
records; printing two such states whole hides the one entry that differs. :func:`diff_values`
walks both values together and reports only the smallest differing parts, each at a path that
names the field::

    log[s2][3].term: implementation 2, spec 3
    msgs[AppendEntriesResponse s3->s1, term 1].matchIndex: implementation 2, spec 1
    votesGranted[s1]: the implementation lacks {s2}

Records, functions, sequences, sets and bags (functions from records to counts, the way the
specs keep messages in flight) are walked alike. A message is named by its type, its sender
and receiver and its term or ballot, plus whatever other field tells it apart from its
neighbours; one that differs from its counterpart in a single field is paired with it, so
the report names that field instead of printing two records that look alike up to "...".
The same difference in every copy of a broadcast is said once (``Accept p2->{a1, a2}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.values import Fn, FSet, Tup, is_record, same_value, sort_key, to_tla

Value = Any
MISSING = object()  # a key or element present on one side only

VALUE, SET, BAG = "value", "set", "bag"  # what a Difference's two values are


@dataclass(frozen=True)
class Difference:
    """One differing part. ``kind`` says how to read ``observed`` and ``expected``:
    ``value``: the two values at ``path`` (MISSING on the side that lacks it);
    ``set``: what the implementation has extra and what it lacks (FSets, or MISSING);
    ``bag``: copies of a message, by count (0 on the side that has none)."""

    path: str  # e.g. log[s2][3].term
    observed: Value  # the implementation's value, or MISSING
    expected: Value  # the spec's value, or MISSING
    kind: str = VALUE
    # the path as parts, a message label as a _Label, so that broadcasts can be merged
    parts: tuple = field(default=(), compare=False, repr=False)
    # for a message that is absent on one side: the whole message, which the label shortens
    element: Value = field(default=MISSING, compare=False, repr=False)


def short(v: Value, limit: int = 160) -> str:
    """A value as TLA+ text, cut to ``limit`` characters."""
    if v is MISSING:
        return "(absent)"
    text = to_tla(v)
    return text if len(text) <= limit else text[:limit - 3] + "..."


# --------------------------------------------------------------------------- naming keys

_SOURCE = ("source", "src", "from", "sender")
_DEST = ("dest", "dst", "to", "receiver")
_ORDINAL = ("term", "bal", "ballot", "slot", "round")


@dataclass(frozen=True)
class _Label:
    """How a message record is named in a path: ``AppendEntriesResponse s3->s1, term 1``."""

    kind: str  # the type field, or ""
    source: str
    dest: str
    fields: tuple[tuple[str, str], ...]  # further (name, value text) pairs that identify it

    def text(self, dest: str | None = None) -> str:
        head = self.kind
        if self.source or self.dest:
            arrow = f"{self.source}->{self.dest if dest is None else dest}"
            head = f"{head} {arrow}" if head else arrow
        rest = ", ".join(f"{k} {v}" for k, v in self.fields)
        return f"{head}, {rest}" if head and rest else head or rest


def _field(rec: Fn, names: tuple[str, ...]) -> str | None:
    for n in names:
        if n in rec.map:
            return n
    return None


def _is_message(v: Value) -> bool:
    return is_record(v) and "type" in v.map


def _base_label(rec: Fn) -> tuple[_Label, set[str]]:
    """The label from type, sender, receiver and ordinals, and the fields it used."""
    used = {"type"}
    src, dst = _field(rec, _SOURCE), _field(rec, _DEST)
    used.update(f for f in (src, dst) if f)
    ordinals = [(f, short(rec.map[f], 40)) for f in _ORDINAL if f in rec.map]
    used.update(f for f, _ in ordinals)
    kind = rec.map["type"]
    return _Label(kind if type(kind) is str else short(kind, 40),
                  short(rec.map[src], 40) if src else "", short(rec.map[dst], 40) if dst else "",
                  tuple(ordinals)), used


def _labels(keys: list, twins: dict) -> dict:
    """A label for every message key, unique among ``keys``: the base label, plus the fields
    that tell it from the keys sharing its base label. A key and its twin (the counterpart it
    is paired with) get one label, from the fields on which they agree."""
    base: dict = {}
    for k in keys:
        if _is_message(k):
            base[k] = _base_label(k)
    by_label: dict[_Label, list] = {}
    for k, (lab, _) in base.items():
        by_label.setdefault(lab, []).append(k)
    out: dict = {}
    for k, (lab, used) in base.items():
        twin = twins.get(k)
        rivals = [c for c in by_label[lab] if c is not k and c != k and c != twin]
        extra: list[tuple[str, str]] = []
        for f in k.map:
            if not rivals:
                break
            if f in used or (twin is not None and twin.map.get(f, MISSING) != k.map[f]):
                continue
            if any(c.map.get(f, MISSING) != k.map[f] for c in rivals):
                extra.append((f, short(k.map[f], 40)))
                rivals = [c for c in rivals if c.map.get(f, MISSING) == k.map[f]]
        fields = lab.fields
        if twin is not None:  # an ordinal the twin does not share is the difference itself
            fields = tuple((f, v) for f, v in fields if twin.map.get(f, MISSING) == k.map[f])
        out[k] = _Label(lab.kind, lab.source, lab.dest, fields + tuple(extra))
    return out


def _whole(rec: Value) -> Any:
    """A message in full, as a label (every field); anything else as TLA+ text."""
    if not _is_message(rec):
        return f"[{short(rec, 400)}]"
    lab, used = _base_label(rec)
    rest = tuple((f, short(v, 200)) for f, v in rec.map.items() if f not in used)
    return _Label(lab.kind, lab.source, lab.dest, lab.fields + rest)


def _key_part(k: Value, labels: dict) -> Any:
    label = labels.get(k)
    return label if label is not None else f"[{short(k, 60)}]"


def _render(parts: tuple) -> str:
    out = []
    for p in parts:
        out.append(f"[{p.text()}]" if isinstance(p, _Label) else p)
    return "".join(out)


# --------------------------------------------------------------------------- walking


def diff_values(path: str, observed: Value, expected: Value,
                out: list[Difference] | None = None) -> list[Difference]:
    """Every smallest differing part of ``observed`` and ``expected``, under ``path``."""
    out = [] if out is None else out
    _walk((path,), observed, expected, out)
    return out


def _walk(parts: tuple, observed: Value, expected: Value, out: list[Difference]) -> None:
    if observed == expected:
        if same_value(observed, expected):
            return
        # equal only as Python values (1 for TRUE somewhere): the walk below finds the
        # entry, unless it is a key or an element Python matched; then the whole part
        found = len(out)
        _walk_parts(parts, observed, expected, out)
        if len(out) == found:
            _add(out, parts, observed, expected)
        return
    _walk_parts(parts, observed, expected, out)


def _walk_parts(parts: tuple, observed: Value, expected: Value, out: list[Difference]) -> None:
    to, te = type(observed), type(expected)
    if to is Tup and te is Fn and not observed:  # the empty function is also <<>>
        observed, to = Fn({}), Fn
    elif te is Tup and to is Fn and not expected:
        expected, te = Fn({}), Fn
    if to is Fn and te is Fn:
        _walk_function(parts, observed, expected, out)
    elif to is Tup and te is Tup:
        common = min(len(observed), len(expected))
        for n in range(common):
            if observed[n] is not expected[n]:
                _walk(parts + (f"[{n + 1}]",), observed[n], expected[n], out)
        for n in range(common, max(len(observed), len(expected))):
            a = observed[n] if n < len(observed) else MISSING
            b = expected[n] if n < len(expected) else MISSING
            _add(out, parts + (f"[{n + 1}]",), a, b)
    elif isinstance(observed, frozenset) and isinstance(expected, frozenset):
        _walk_set(parts, observed, expected, out)
    else:
        _add(out, parts, observed, expected)


def _add(out: list[Difference], parts: tuple, a: Value, b: Value, kind: str = VALUE,
         element: Value = MISSING) -> None:
    out.append(Difference(_render(parts), a, b, kind, parts, element))


def _is_bag(a: Fn, b: Fn) -> bool:
    """A bag of records (the specs' messages in flight): record keys, positive counts."""
    values = list(a.map.values()) + list(b.map.values())
    return bool(values) and all(type(v) is int and v > 0 for v in values) and all(
        is_record(k) for k in list(a.map)[:8] + list(b.map)[:8])


def _walk_function(parts: tuple, observed: Fn, expected: Fn, out: list[Difference]) -> None:
    ko, ke = observed.map, expected.map
    record = is_record(observed) and is_record(expected)
    if not record and _is_bag(observed, expected):
        _walk_bag(parts, ko, ke, out)
        return
    twins = _pair([k for k in ko if k not in ke], [k for k in ke if k not in ko])
    keys = _ordered_union(ko, ke)
    labels = _labels(keys, twins)
    for k in keys:
        sub = parts + ((f".{k}",) if record and type(k) is str else (_key_part(k, labels),))
        a, b = ko.get(k, MISSING), ke.get(k, MISSING)
        if k in twins:
            if a is not MISSING:  # each pair is reported once, from the observed side
                _walk(sub, k, twins[k], out)  # the fields in which the two keys differ
                _walk(sub, a, ke[twins[k]], out)
        elif a is MISSING or b is MISSING:
            _add(out, sub, a, b)
        else:
            _walk(sub, a, b, out)


def _walk_bag(parts: tuple, ko: dict, ke: dict, out: list[Difference]) -> None:
    """Copies the implementation has beyond the spec's are paired with copies it lacks (an
    acknowledgment sent with a wrong field is one message with that field wrong, even when
    another copy of it was already in flight); what is left is extra or lacking."""
    surplus = {k: n - ke.get(k, 0) for k, n in ko.items() if n > ke.get(k, 0)}
    deficit = {k: n - ko.get(k, 0) for k, n in ke.items() if n > ko.get(k, 0)}
    twins = _pair(list(surplus), list(deficit))
    keys = _ordered_union(ko, ke)
    labels = _labels(keys, twins)
    for k in keys:
        if k in twins and k in surplus:
            twin = twins[k]
            paired = min(surplus[k], deficit[twin])
            _walk(parts + (_key_part(k, labels),), k, twin, out)
            surplus[k] -= paired
            deficit[twin] -= paired
    for k in keys:
        more, fewer = surplus.get(k, 0), deficit.get(k, 0)
        if not more and not fewer:
            continue
        if k in ko and k in ke and k not in twins:
            _add(out, parts + (_key_part(k, labels),), ko[k], ke[k], BAG)
        elif more:
            _add(out, parts + (_whole(k),), more, 0, BAG, element=k)
        else:
            _add(out, parts + (_whole(k),), 0, fewer, BAG, element=k)


def _walk_set(parts: tuple, observed: frozenset, expected: frozenset,
              out: list[Difference]) -> None:
    only_o, only_e = observed - expected, expected - observed
    twins = _pair(list(only_o), list(only_e))
    if twins:
        labels = _labels(sorted(only_o | only_e, key=sort_key), twins)
        for a in sorted(only_o, key=sort_key):
            if a in twins:
                _walk(parts + (_key_part(a, labels),), a, twins[a], out)
        only_o = only_o - twins.keys()
        only_e = only_e - twins.keys()
    if only_o or only_e:
        _add(out, parts, FSet(only_o) if only_o else MISSING,
             FSet(only_e) if only_e else MISSING, SET)


def _pair(only_observed: list, only_expected: list) -> dict:
    """Records on one side only that are near-copies of one on the other (a message whose
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
            if _is_message(a) and a.map["type"] != b.map["type"]:
                continue  # another kind of message is another message
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


# --------------------------------------------------------------------------- states


def diff_states(observed: dict[str, Value], expected: dict[str, Value]) -> list[Difference]:
    """The differences in the variables ``observed`` gives (it may omit some), with the
    same difference in every copy of a broadcast said once."""
    out: list[Difference] = []
    for name, value in observed.items():
        if name in expected:
            diff_values(name, value, expected[name], out)
    return merge_broadcasts(out)


def merge_broadcasts(diffs: list[Difference]) -> list[Difference]:
    """Differences that are the same but for the receiver of one message (a broadcast whose
    every copy carries the same wrong field) become one, naming the receivers as a set."""
    groups: dict[tuple, list[int]] = {}
    for n, d in enumerate(diffs):
        at = [i for i, p in enumerate(d.parts) if isinstance(p, _Label) and p.dest]
        if len(at) != 1:
            continue
        i = at[0]
        lab = d.parts[i]
        shape = d.parts[:i] + (_Label(lab.kind, lab.source, "", lab.fields),) + d.parts[i + 1:]
        try:
            key = (shape, d.kind, to_tla(d.observed), to_tla(d.expected))
        except Exception:  # noqa: BLE001 - MISSING on one side
            key = (shape, d.kind, repr(d.observed), repr(d.expected))
        groups.setdefault(key, []).append(n)
    merged: dict[int, Difference | None] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        first = diffs[members[0]]
        i = next(i for i, p in enumerate(first.parts) if isinstance(p, _Label) and p.dest)
        dests = [diffs[n].parts[i].dest for n in members]
        text = "{" + ", ".join(dests) + "}"
        parts = first.parts[:i] + (f"[{first.parts[i].text(dest=text)}]",) + first.parts[i + 1:]
        merged[members[0]] = Difference(_render(parts), first.observed, first.expected,
                                        first.kind, parts, first.element)
        for n in members[1:]:
            merged[n] = None
    out = []
    for n, d in enumerate(diffs):
        if n in merged:
            m = merged[n]
            if m is not None:
                out.append(m)
        else:
            out.append(d)
    return out


# --------------------------------------------------------------------------- text


def _copies(n: int) -> str:
    return "none" if n == 0 else "1 copy" if n == 1 else f"{n} copies"


def describe(d: Difference) -> str:
    """One line: ``path: implementation X, spec Y`` (sets as what is extra and lacking, bags
    as numbers of copies, a message on one side only in full)."""
    if d.kind == SET:
        parts = []
        if d.observed is not MISSING:
            parts.append(f"has {short(d.observed)} extra")
        if d.expected is not MISSING:
            parts.append(f"lacks {short(d.expected)}")
        return f"{d.path}: the implementation " + " and ".join(parts)
    if d.kind == BAG:
        if d.element is not MISSING:
            where, what = _render(d.parts[:-1]), _render(d.parts[-1:])
            if d.expected == 0:
                many = f"{d.observed} copies of " if d.observed > 1 else ""
                return f"{where}: the implementation has {many}{what} extra"
            many = f"{d.expected} copies of " if d.expected > 1 else ""
            return f"{where}: the implementation lacks {many}{what}"
        return f"{d.path}: implementation {_copies(d.observed)}, spec {_copies(d.expected)}"
    return f"{d.path}: implementation {short(d.observed)}, spec {short(d.expected)}"


def difference_to_json(d: Difference) -> dict:
    """The difference as data: its path, both sides as TLA+ text, and its kind."""
    out: dict[str, Any] = {
        "path": d.path,
        "implementation": None if d.observed is MISSING else to_tla(d.observed),
        "spec": None if d.expected is MISSING else to_tla(d.expected),
        "text": describe(d),
    }
    if d.kind != VALUE:
        out["kind"] = d.kind
    if d.element is not MISSING:
        out["message"] = to_tla(d.element)
    return out
