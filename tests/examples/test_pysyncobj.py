"""examples/pysyncobj: a stranger's Raft, traced from the outside and checked against Raft.tla.

Runs what ``make pysyncobj`` runs: real three-node PySyncObj clusters on loopback (one process
per node), with leader crashes, partitions and restarts; each run's node traces are merged
and validated by ``conform validate``. The verdicts are the ones examples/pysyncobj/README.md
reports: the journalled cluster conforms through crashes and partitions; without a journal,
or after a power failure that loses what PySyncObj never synced, a restarted node forgets its
vote, votes twice in one term, and two leaders of term 1 lose each other's acknowledged
writes. Skipped where PySyncObj is not installed (it comes with the dev extra).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pysyncobj", reason="PySyncObj is not installed (pip install -e '.[dev]')")

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "examples" / "pysyncobj" / "run.py"


def _sections(text: str) -> dict[str, str]:
    """The report's paragraph for each scenario, by its name."""
    out = {}
    for block in text.split("\n\n"):
        m = re.match(r"(leader faults|no journal|power loss|kill -9)\s", block)
        if m:
            out[m[1]] = block
    return out


@pytest.mark.slow
def test_pysyncobj_earns_the_verdicts_its_readme_reports(tmp_path):
    proc = subprocess.Popen([sys.executable, str(RUN), "--out", str(tmp_path)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:  # the run and every node it started
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, out  # every scenario gave the verdict it should
    s = _sections(out)
    assert set(s) == {"leader faults", "no journal", "power loss", "kill -9"}, out
    for name in ("leader faults", "kill -9"):
        assert re.search(r"CONFORMS\s+\d+ events", s[name]), out
        assert "voted twice" not in s[name] and "two leaders" not in s[name], out
    for name in ("no journal", "power loss"):
        block = s[name]
        # the first event no order explains is s3's restart: it forgot its term and vote
        assert re.search(r"DIVERGED .*\n.*\n  first divergence: event \d+ \(\S+s3\.ndjson:\d+\): "
                         r"Restart\(i = s3\)", block), out
        assert "currentTerm[s3]: implementation 0, spec 1" in block, out
        assert "votedFor[s3]: implementation Nil, spec s1" in block, out
        # and then, in the traces: the double vote, two leaders, an acknowledged write lost
        assert re.search(r"s3 voted twice in term 1: for s1 \(s3\.ndjson:\d+\) and for s2",
                         block), out
        assert "two leaders in term 1" in block, out
        assert re.search(r"the write x=x-s1, acknowledged by s1 .* is not in the dict of s2",
                         block), out
    # each run left its node traces, which conform validate reads on its own
    for d in ("leader-faults", "no-journal", "power-loss", "kill-9"):
        assert sorted(p.name for p in (tmp_path / d).glob("*.ndjson")) == \
            ["s1.ndjson", "s2.ndjson", "s3.ndjson"], out
