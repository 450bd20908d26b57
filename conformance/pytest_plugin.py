"""A pytest plugin for conformance checks: a marker, fixtures and command-line options.

Installed with the package (entry point ``pytest11``), so any test suite can write::

    @pytest.mark.conformance(protocol="raft", examples=50)
    def test_raft_conforms(conformance):
        conformance.check()            # a campaign; fails with the divergence and its trace

    def test_my_trace(spec_validator):
        v = spec_validator("raft")     # the validator for the protocol's first cluster variant
        assert v.validate(steps) is None

The marker's arguments are the defaults of the ``conformance`` fixture (``protocol``,
``bug``, ``examples``, ``profile``, ``seed``, ``max_decisions``); ``--conform-profile``,
``--conform-examples`` and ``--conform-seed`` override them for a whole session, and
failing traces go to ``--conform-out`` (default ``traces/failing/``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conform", "conformance of implementations to their TLA+ specs")
    group.addoption("--conform-profile", default=None, help="campaign profile: ci or deep")
    group.addoption("--conform-examples", type=int, default=None,
                    help="examples per conformance campaign")
    group.addoption("--conform-seed", type=int, default=None, help="Hypothesis seed")
    group.addoption("--conform-out", default=None,
                    help="where failing traces go (default: traces/failing/)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "conformance(protocol='raft', bug=None, examples=None, profile='ci', "
                   "seed=None, max_decisions=None): a conformance campaign's settings for "
                   "the `conformance` fixture")


@dataclass
class ConformanceRunner:
    """Runs campaigns with the marker's and the command line's settings."""

    options: dict[str, Any]
    out: Path | None

    def run(self, **overrides: Any):
        from conformance import protocols
        from conformance.schedules import profiles
        from conformance.schedules.campaign import run_campaign

        o = {**self.options, **{k: v for k, v in overrides.items() if v is not None}}
        protocol = protocols.get(o.get("protocol", "raft"))
        profile = profiles.get(o.get("profile") or "ci").with_overrides(
            examples=o.get("examples"), seed=o.get("seed"),
            max_decisions=o.get("max_decisions"))
        bugs = protocol.check_bug(o.get("bug"))
        return run_campaign(protocol, profile, bugs, seed=profile.seed, save_dir=self.out)

    def check(self, **overrides: Any):
        """Run a campaign and fail the test, with the divergence and the trace file, unless
        every run conformed."""
        result = self.run(**overrides)
        if result.error:
            pytest.fail(f"the campaign broke down: {result.error}", pytrace=False)
        if result.divergence is not None:
            pytest.fail(f"{result.divergence.render()}\n\nfound at example "
                        f"{result.progress.found_at_example}; shrunk trace: "
                        f"{result.trace_file}\nreplay: conform replay {result.trace_file}",
                        pytrace=False)
        return result


@pytest.fixture
def conformance(request: pytest.FixtureRequest) -> ConformanceRunner:
    """A campaign runner configured by the test's ``conformance`` marker."""
    options: dict[str, Any] = {}
    marker = request.node.get_closest_marker("conformance")
    if marker is not None:
        options.update(marker.kwargs)
        if marker.args:
            options["protocol"] = marker.args[0]
    cfg = request.config
    for key, opt in (("profile", "--conform-profile"), ("examples", "--conform-examples"),
                     ("seed", "--conform-seed")):
        value = cfg.getoption(opt)
        if value is not None:
            options[key] = value
    out = cfg.getoption("--conform-out")
    return ConformanceRunner(options, Path(out) if out else None)


@pytest.fixture
def spec_validator():
    """``spec_validator(protocol, variant=None, partial=())``: a fresh step validator for
    a protocol's spec, bound to the constants of one of its cluster variants."""
    from conformance import protocols
    from conformance.schedules.execution import spec_engine
    from conformance.validate import Validator

    def make(protocol: str = "raft", variant: str | None = None, partial=()) -> Validator:
        p = protocols.get(protocol)
        v = p.variant(variant) if variant else p.variants[0]
        return Validator(spec_engine(p, v.settings), partial=partial)
    return make
