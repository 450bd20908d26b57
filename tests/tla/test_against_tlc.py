"""The engine and the real TLC agree on the test specs (needs a tla2tools.jar and Java)."""

import re
import subprocess
from pathlib import Path

import pytest
from tlc_support import real_toolchain

from conformance.tla import check_model

pytestmark = pytest.mark.tlc

TOOLS = real_toolchain()
MODELS = [("Branching", "Branching"), ("Sym", "Sym"), ("Sym", "SymNone"), ("Inst", "Inst"),
          ("Vote", "Vote"), ("Fair", "Fair_Stays_FullSpec"), ("Fair", "Fair_Always0_FullSpec"),
          ("HoistAction", "HoistAction"),
          ("FieldIndex", "FieldIndex")]


def tlc(directory: Path, spec: str, cfg: str) -> dict:
    assert TOOLS is not None
    proc = subprocess.run([*TOOLS.command(), "-workers", "1", "-config", f"{cfg}.cfg", spec],
                          cwd=directory, capture_output=True, text=True, timeout=300)
    m = re.search(r"(\d+) states generated, (\d+) distinct states found", proc.stdout)
    d = re.search(r"depth of the complete state graph search is (\d+)", proc.stdout)
    assert m and d, proc.stdout[-2000:]
    return {"exit": proc.returncode, "generated": int(m.group(1)),
            "distinct": int(m.group(2)), "depth": int(d.group(1))}


@pytest.mark.skipif(TOOLS is None, reason="TLC not found (conform tlc where)")
@pytest.mark.parametrize("spec, cfg", MODELS)
def test_engine_agrees_with_tlc(specdir, spec, cfg):
    want = tlc(specdir, spec, cfg)
    got = check_model(specdir / f"{spec}.tla", specdir / f"{cfg}.cfg")
    assert got.outcome.exit_code == min(want["exit"], 1)
    assert (got.states_generated, got.distinct_states, got.depth) == (
        want["generated"], want["distinct"], want["depth"])
