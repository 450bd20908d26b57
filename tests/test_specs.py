"""The specs and their models: the manifest lists them truly, and TLC agrees with it.

Static checks run everywhere: every model is in ``specs/manifest.json`` and names only what
its spec defines; every rule the Raft spec can switch off has a bug model that is expected to
fail. The live checks (marker ``tlc``) run each small model with the real TLC and compare the
verdict, the state counts and, for a bug model, the violated invariant and the length of the
counterexample that ``specs/README.md`` records. The ``*Deep*`` models, in
``specs/manifest-deep.json``, are left to ``make modelcheck-deep``.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from tlc_support import real_toolchain

from conformance.manifest import disagreements, load
from conformance.result import Outcome
from conformance.tla.cfg import constant_values, parse_config, strip_comments

SPECS = Path(__file__).resolve().parents[1] / "specs"
SMALL = load(SPECS / "manifest.json")
DEEP = load(SPECS / "manifest-deep.json")
MODELS = SMALL + DEEP

# What the embedded engine can afford to check exhaustively in CI (recorded runtimes depend
# on the machine's load, so the tier is decided by name and by state count).
SMALL_STATES = 50_000

def _sections(cfg: Path) -> dict[str, list[str]]:
    """The names each section of a .cfg lists (CONSTANT: the names it assigns), as the
    project's .cfg parser reads them."""
    c = parse_config(cfg)
    found = {"CONSTANT": [a.name for a in c.constants], "INVARIANT": c.invariants,
             "PROPERTY": c.properties, "CONSTRAINT": c.constraints}
    for key in ("INIT", "NEXT", "SPECIFICATION", "SYMMETRY", "VIEW"):
        name = getattr(c, key.lower())
        found[key] = [name] if name else []
    return found


def _definitions(spec: Path) -> set[str]:
    """The operators a module defines at the left margin."""
    return set(re.findall(r"^(\w+)\s*(?:\([^)]*\))?\s*==", spec.read_text(), re.M))


def _declared_constants(spec: Path) -> set[str]:
    text = strip_comments(spec.read_text())
    names: set[str] = set()
    for block in re.findall(r"^CONSTANTS?\b(.*?)(?=^\S)", text, re.M | re.S):
        names.update(re.findall(r"\w+", block))  # comments are blanked out
    return names


def _checked_names(model) -> list[str]:
    sections = _sections(model.config)
    return sections["INVARIANT"] + sections["PROPERTY"]


def _failure_word(model) -> str:
    """The manifest's word for a bug model's failure. TLC exits with the same status (13) for
    an action property as for a temporal one, and the manifest words are TLC's statuses."""
    sections = _sections(model.config)
    return "liveness failure" if sections["PROPERTY"] else "safety failure"


def _readme_trace_lengths() -> dict[str, int]:
    """The counterexample length the README's model table records for each bug model."""
    rows = re.findall(r"^\|\s*`(\w+\.cfg)`\s*\|(.*)$", (SPECS / "README.md").read_text(), re.M)
    lengths = {}
    for name, rest in rows:
        cells = [c.strip() for c in rest.split("|")]
        if cells and re.fullmatch(r"\d+", cells[-2] if cells[-1] == "" else cells[-1]):
            lengths[name] = int(cells[-2] if cells[-1] == "" else cells[-1])
    return lengths


# --------------------------------------------------------------------------- static


def test_the_manifest_lists_every_model_and_every_spec():
    on_disk = {p.name for p in SPECS.glob("*.cfg")}
    listed = [m.config.name for m in MODELS]
    assert sorted(listed) == sorted(set(listed)), "a model is listed twice"
    assert set(listed) == on_disk
    specs_listed = {m.spec.name for m in MODELS}
    assert specs_listed <= {p.name for p in SPECS.glob("*.tla")}
    for m in MODELS:
        assert m.spec.is_file() and m.config.is_file()


def test_every_model_is_an_exhaustive_search_with_figures():
    for m in MODELS:
        e = m.expect
        assert e is not None and e.mode == "exhaustive search", m.name
        assert e.result in ("success", _failure_word(m)), m.name
        assert e.distinct_states and e.total_states and e.state_depth, m.name
        assert e.total_states >= e.distinct_states, m.name


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.config.name)
def test_a_model_names_only_what_its_spec_defines(model):
    sections = _sections(model.config)
    defined = _definitions(model.spec)
    declared = _declared_constants(model.spec)
    assert set(sections["CONSTANT"]) == declared, "every constant, and only those"
    for key in ("INIT", "NEXT", "INVARIANT", "PROPERTY", "CONSTRAINT", "SYMMETRY"):
        for name in sections[key]:
            assert name in defined, f"{key} {name} is not defined in {model.spec.name}"
    assert _checked_names(model), "a model checks something"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.config.name)
def test_bug_models_and_only_they_switch_a_rule_off_and_must_fail(model):
    bug = constant_values(model.config.read_text()).get("Bug")
    if "Bug" in model.config.stem:
        assert bug not in (None, "None")
        assert model.expect.result == _failure_word(model)
        assert len(_checked_names(model)) == 1, "a bug model checks the one invariant it breaks"
    else:
        assert bug == "None"
        assert model.expect.result == "success"


def test_every_rule_the_raft_spec_can_switch_off_has_a_bug_model():
    text = (SPECS / "Raft.tla").read_text()
    rules = set(re.findall(r'"(\w+)"', re.search(r"^Bugs == \{(.*?)\}", text, re.M | re.S)[1]))
    shown = {constant_values(m.config.read_text()).get("Bug")
             for m in MODELS if m.spec.name == "Raft.tla"}
    assert rules - {"None"} <= shown


def test_small_models_are_small_and_deep_ones_are_named_so():
    """Small enough for CI on both engines; bigger ones are *Deep* models, in their manifest."""
    for m in SMALL:
        assert "Deep" not in m.config.name, m.name
        assert m.expect.distinct_states <= SMALL_STATES, m.name
    assert all("Deep" in m.config.name for m in DEEP)
    assert {m.spec.name for m in DEEP} == {m.spec.name for m in SMALL}, \
        "each spec has a deep model too"


def test_the_readme_records_each_bug_models_trace_length():
    lengths = _readme_trace_lengths()
    for m in MODELS:
        if m.expect.result != "success":
            assert lengths.get(m.config.name), f"{m.config.name} has no trace length"


# --------------------------------------------------------------------------- live TLC

TOOLS = real_toolchain()


@pytest.fixture(scope="module")
def tlc_results():
    """Every small model run once with TLC, two at a time."""
    from conformance.tlc import run_tlc

    def run(model):
        return run_tlc(model.spec, model.config, workers=1, timeout=300, tools=TOOLS)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip((m.config.name for m in SMALL), pool.map(run, SMALL), strict=True))


@pytest.mark.tlc
@pytest.mark.skipif(TOOLS is None, reason="no TLC jar and Java 11+ found "
                    "(set TLA2TOOLS_JAR or run `conform tlc install`)")
@pytest.mark.parametrize("model", SMALL, ids=lambda m: m.config.name)
def test_tlc_agrees_with_the_manifest(model, tlc_results):
    result = tlc_results[model.config.name]
    assert disagreements(model, result) == [], result.message
    if model.expect.result == "success":
        return
    assert result.outcome in (Outcome.INVARIANT_VIOLATED, Outcome.PROPERTY_VIOLATED)
    assert result.violated == _checked_names(model)[0]
    assert result.distinct_states == model.expect.distinct_states
    assert result.counterexample is not None
    assert len(result.counterexample.steps) == _readme_trace_lengths()[model.config.name]


# --------------------------------------------------------------------------- embedded engine

# The engine's contract on the project's own specs, in CI: the models cheap enough for it
# (by TLC's count of generated states; and each spec's cheapest) give the manifest's figures
# and, for a bug model, the violated invariant and a counterexample of the README's length.
# `make modelcheck` runs the rest where TLC is absent.
def _cheapest(spec: Path):
    return min((m for m in SMALL if m.spec == spec), key=lambda m: m.expect.total_states)


CHEAP = [m for m in SMALL if m.expect.total_states <= 10_000 or m is _cheapest(m.spec)]


@pytest.mark.parametrize("model", CHEAP, ids=lambda m: m.config.name)
def test_the_embedded_engine_agrees_with_the_manifest(model):
    from conformance.engines import check_model

    result = check_model(model.spec, model.config, engine="embedded")
    assert disagreements(model, result) == [], result.message
    if model.expect.result != "success":
        assert result.violated == _checked_names(model)[0]
        assert result.counterexample is not None
        assert len(result.counterexample.steps) == _readme_trace_lengths()[model.config.name]
