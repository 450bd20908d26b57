"""The small models' state graphs, and how much of them a campaign covered.

A *model graph* is everything the embedded engine finds when it explores a model (a spec
and a .cfg) breadth first: its reachable states, each with the state it was first reached
from and TLC's action that led there (which gives a shortest path to every state), and its
transitions (state, action), the action named as trace events name it (see
:func:`conformance.coverage.spec.label_actions`). States are kept as fingerprints: for a
model with SYMMETRY, the fingerprints of every image of each state, so that a state an
implementation reached is found whichever member of its orbit it is (fingerprints that are
the same in every process: :mod:`conformance.coverage.fingerprint`).

The models measured are the protocol's CI models (``specs/manifest.json``, the ones expected
to hold). A campaign's runs count toward a model when they ran under the same constants, as
far as the next-state relation reads them (the model's bounds, ``MaxTerm`` and the like,
constrain exploration only). States outside the model's bounds are outside its graph.

Graphs are expensive to build (seconds to a minute each) and cheap to load, so each is
cached under ``$XDG_CACHE_HOME/conform/models/``, keyed by the text of the model's .cfg and
of every module it loads; a graph whose state count disagrees with the manifest's is built
again.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import tempfile
import zipfile
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance import manifest
from conformance.coverage.fingerprint import Fingerprinter
from conformance.coverage.record import Coverage, Reached
from conformance.coverage.spec import constants_read, label_actions
from conformance.errors import UserError
from conformance.tla import syntax as S
from conformance.tla.explore import Explorer, Permuter
from conformance.tla.model import Model, load
from conformance.trace.encoding import decode, encode
from conformance.values import typed_hash

FORMAT = 2  # of the cached files; a change to what a graph holds bumps it


@dataclass
class ModelGraph:
    """A model's reachable states and transitions (see the module docstring)."""

    name: str  # the .cfg's stem
    spec: Path
    config: Path
    constants: dict[str, Any]  # the model's constants, as values
    relevant: list[str]  # the constants its next-state relation (Next) reads
    labels: list[str]  # TLC's action names
    actions: list[str]  # the action (as events name it) of each label
    parent: array  # state -> the state it was first reached from (-1: initial)
    via: array  # state -> the label that led there (-1: initial)
    edges: array  # triples (state, label, successor) of the transitions, flattened
    images: dict[int, int] = field(default_factory=dict)  # fingerprint of any image -> state

    @property
    def distinct(self) -> int:
        return len(self.parent)

    def transitions(self) -> set[tuple[int, str]]:
        """The pairs (state, action) of the graph's edges."""
        e, acts = self.edges, self.actions
        return {(e[n], acts[e[n + 1]]) for n in range(0, len(e), 3)}

    def successors(self) -> dict[int, list[tuple[int, int]]]:
        """state -> its edges, as (label, successor)."""
        out: dict[int, list[tuple[int, int]]] = {}
        e = self.edges
        for n in range(0, len(e), 3):
            out.setdefault(e[n], []).append((e[n + 1], e[n + 2]))
        return out

    def path_to(self, state: int) -> list[int]:
        """The labels of a shortest path from an initial state to ``state``."""
        out = []
        while self.parent[state] >= 0:
            out.append(self.via[state])
            state = self.parent[state]
        out.reverse()
        return out

    def depth(self, state: int) -> int:
        n = 0
        while self.parent[state] >= 0:
            state = self.parent[state]
            n += 1
        return n

    def applies_to(self, constants: dict[str, Any]) -> bool:
        """Whether runs under ``constants`` are runs of this model (bounds aside)."""
        return same_constants(self.constants, self.relevant, constants)


@dataclass
class ModelCoverage:
    """How much of one model's graph a campaign's runs covered."""

    model: str
    states: int
    states_covered: int
    transitions: int
    transitions_covered: int
    outside: int  # states the runs reached under the model's constants, outside its graph

    @property
    def state_fraction(self) -> float:
        return self.states_covered / self.states if self.states else 0.0

    @property
    def transition_fraction(self) -> float:
        return self.transitions_covered / self.transitions if self.transitions else 0.0

    def to_json(self) -> dict:
        return {"model": self.model, "states": self.states,
                "states_covered": self.states_covered,
                "state_fraction": round(self.state_fraction, 4),
                "transitions": self.transitions,
                "transitions_covered": self.transitions_covered,
                "transition_fraction": round(self.transition_fraction, 4),
                "states_outside_model": self.outside}


def covered_states(graph: ModelGraph, reached: Reached) -> set[int]:
    images = graph.images
    return {images[h] for h in reached.states if h in images}


def measure(graph: ModelGraph, coverage: Coverage) -> ModelCoverage | None:
    """The campaign's coverage of ``graph``; None when no run had the model's constants."""
    runs = [r for r in coverage.reached.values() if graph.applies_to(r.constants)]
    if not runs:
        return None
    images = graph.images
    states: set[int] = set()
    moves: set[tuple[int, str]] = set()
    outside = 0
    for r in runs:
        for h in r.states:
            s = images.get(h)
            if s is None:
                outside += 1
            else:
                states.add(s)
        for h, action in r.transitions:
            s = images.get(h)
            if s is not None:
                moves.add((s, action))
    model_moves = graph.transitions()
    return ModelCoverage(graph.name, graph.distinct, len(states), len(model_moves),
                         len(moves & model_moves), outside)


# --------------------------------------------------------------------------- which models


def ci_models(spec: Path, manifest_path: Path | None = None) -> list[manifest.Model]:
    """The models of ``spec`` in the CI manifest that are expected to hold."""
    path = manifest_path or spec.parent / manifest.MANIFEST
    if not path.is_file():
        return []
    spec = spec.resolve()
    return [m for m in manifest.load(path)
            if m.spec.resolve() == spec and m.expect is not None
            and m.expect.result == "success"]


_READS: dict[tuple[Path, Path], tuple[dict[str, Any], list[str]]] = {}


def model_constants(model: manifest.Model) -> tuple[dict[str, Any], list[str]]:
    """The model's constants and those its next-state relation reads, the model loaded (not
    explored: a model no run can be measured against costs no enumeration)."""
    key = (model.spec.resolve(), model.config.resolve())
    hit = _READS.get(key)
    if hit is None:
        loaded = load(model.spec, model.config)
        hit = _READS[key] = (_constants(loaded), constants_read(loaded, "Next"))
    return hit


def same_constants(mine: dict[str, Any], relevant: list[str], theirs: dict[str, Any]) -> bool:
    """Whether runs under ``theirs`` are runs of a model with ``mine`` (bounds aside)."""
    for name in relevant:
        a, b = mine.get(name), theirs.get(name)
        if b is None or a != b or typed_hash(a) != typed_hash(b):
            return False
    return True


def runs_under(model: manifest.Model, coverage: Coverage) -> bool:
    """Whether some run of ``coverage`` had the model's constants."""
    constants, relevant = model_constants(model)
    return any(same_constants(constants, relevant, r.constants)
               for r in coverage.reached.values())


# --------------------------------------------------------------------------- building


def build(spec: Path, config: Path,
          on_progress: Callable[[str], None] | None = None) -> ModelGraph:
    """Explore the model breadth first (invariants are the model checker's business, not
    checked here) and keep its graph."""
    model = load(spec, config)
    if model.view is not None:
        raise UserError(f"{config}: a model with a VIEW has no graph of whole states to "
                        "measure coverage against")
    model.invariants = []
    model.action_properties = []
    model.implied_inits = []
    explorer = Explorer(model, record_graph=True)
    res = explorer.run()
    if res.violation is not None or not res.complete:
        what = res.violation.message if res.violation is not None else "it did not finish"
        raise UserError(f"{config}: the model's graph could not be built: {what}")
    seen, graph = explorer.seen, explorer.graph
    assert graph is not None
    index = {k: n for n, k in enumerate(seen)}
    parent = array("i", [index[p] if p is not None else -1 for p, _a, _s in seen.values()])
    via = array("h", [a for _p, a, _s in seen.values()])
    edges = array("i")
    for k, succ in graph.items():
        n = index[k]
        # each step: (successor's key, label[, the successor as produced, under SYMMETRY])
        for label, t in sorted({(step[1], index[step[0]]) for step in succ
                                if step[0] in index}):
            edges.extend((n, label, t))
    images: dict[int, int] = {}
    permuters = [Permuter(p) for p in (model.symmetry or [])]
    fp = Fingerprinter()
    for n, (_p, _a, s) in enumerate(seen.values()):
        images.setdefault(fp(s), n)
        for pm in permuters:
            images.setdefault(fp(tuple(map(pm, s))), n)
    constants = _constants(model)
    labels = [a.name for a in model.actions]
    acts = ["|".join(x) or a for x, a in zip(label_actions(model), labels, strict=True)]
    return ModelGraph(config.stem, spec, config, constants, constants_read(model, "Next"),
                      labels, acts, parent, via, edges, images)


def _constants(model: Model) -> dict[str, Any]:
    comp = model.comp
    scope = comp.root_scope()
    return {c.name: comp.expr(S.Name(S.NOLOC, c.name), scope).fn((None, None))
            for c in model.root.constants}


# --------------------------------------------------------------------------- the cache


def cache_dir() -> Path:
    from conformance.tlc.release import cache_dir as conform_cache
    return conform_cache() / "models"


def cache_key(spec: Path, config: Path) -> str:
    """A digest of the .cfg and of every module the spec loads (its folder's .tla files
    and those of the standard library it names are read through the loader)."""
    h = hashlib.sha256(f"conform model graph {FORMAT}\n".encode())
    h.update(config.read_bytes())
    for f in sorted(spec.parent.glob("*.tla")):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:32]


def graph_for(model: manifest.Model, on_progress: Callable[[str], None] | None = None,
              cache: Path | None = None) -> ModelGraph:
    """The model's graph, from the cache, or built (and cached) when it is not there or its
    state count is not the manifest's."""
    folder = cache or cache_dir()
    path = folder / f"{model.config.stem}-{cache_key(model.spec, model.config)}.zip"
    expected = model.expect.distinct_states if model.expect is not None else None
    if path.is_file():
        try:
            g = _read(path, model.spec, model.config)
            if expected is None or g.distinct == expected:
                return g
        except (OSError, ValueError, KeyError, zipfile.BadZipFile):
            pass  # a damaged or foreign file: build it again
    if on_progress is not None:
        on_progress(f"enumerating the states of {model.config.name} (once; cached in "
                    f"{folder})")
    g = build(model.spec, model.config, on_progress)
    try:
        _write(path, g)
    except OSError:
        pass  # an unwritable cache costs time, not results
    return g


def _write(path: Path, g: ModelGraph) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"format": FORMAT, "byteorder": sys.byteorder, "name": g.name,
              "constants": {k: encode(v) for k, v in g.constants.items()},
              "relevant": g.relevant, "labels": g.labels, "actions": g.actions}
    keys = array("q", g.images.keys())
    values = array("i", g.images.values())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("header.json", json.dumps(header))
        for name, arr in (("parent", g.parent), ("via", g.via), ("edges", g.edges),
                          ("image_keys", keys), ("image_states", values)):
            z.writestr(name, arr.tobytes())
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".graph-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(buf.getvalue())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read(path: Path, spec: Path, config: Path) -> ModelGraph:
    with zipfile.ZipFile(path) as z:
        header = json.loads(z.read("header.json"))
        if header.get("format") != FORMAT or header.get("byteorder") != sys.byteorder:
            raise ValueError("another format")

        def arr(name: str, code: str) -> array:
            a = array(code)
            a.frombytes(z.read(name))
            return a
        parent, via, edges = arr("parent", "i"), arr("via", "h"), arr("edges", "i")
        keys, values = arr("image_keys", "q"), arr("image_states", "i")
    constants = {k: decode(v) for k, v in header["constants"].items()}
    return ModelGraph(header["name"], spec, config, constants, header["relevant"],
                      header["labels"], header["actions"], parent, via, edges,
                      dict(zip(keys, values, strict=True)))
