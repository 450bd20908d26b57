"""The figures of a history, its file format, and its HTML timeline (run in a stand-in
browser where node is installed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.errors import UserError
from conformance.history import timeline
from conformance.history.figures import figures
from conformance.history.linearizable import check_history
from conformance.history.ops import Fault, History
from conformance.history.window import smallest_window
from tests.history.known import KNOWN, get, history, put


def test_figures_and_recovery_after_a_leader_kill():
    h = history(put("a", "x", "1", 0, 0.1), get("b", "x", 0.2, 0.3, "1"),
                put("a", "x", "2", 1.0, 3.0, "1"),  # invoked before the kill: not counted
                put("b", "x", "3", 2.5, None),
                put("a", "x", "4", 3.1, 4.0, "2"))
    h.faults = [Fault("kill", ["s1"], 2.0, 2.6, leader=True),
                Fault("pause", ["s2"], 5.0, 6.0, leader=False)]
    f = figures(h, seconds=8.0)
    assert (f.operations, f.ok, f.unknown) == (5, 4, 1)
    assert f.success_ratio == 0.8 and f.ops_per_s == 0.5
    [r] = f.recoveries
    assert r.fault == "kill" and r.seconds == pytest.approx(2.0)
    assert f.p50_ms == pytest.approx(900.0)


def test_history_file_round_trip_and_errors(tmp_path):
    h, _ = KNOWN["stale read"]
    h.faults = [Fault("partition", ["s1"], 0.5, 1.5, True, "s1 | s2,s3")]
    h.info = {"protocol": "raft", "seed": 3}
    p = tmp_path / "h.ndjson"
    h.dump(p)
    back = History.load(p)
    assert [op.to_json() for op in back.ops] == [op.to_json() for op in h.ops]
    assert back.faults == h.faults and back.info == h.info
    p.write_text(p.read_text().replace('"status":"ok"', '"status":"maybe"', 1))
    with pytest.raises(UserError, match="status 'maybe'") as e:
        History.load(p)
    assert e.value.position.line == 2


def _page(name: str) -> tuple[str, History]:
    h, ok = KNOWN[name]
    h.faults = [Fault("kill", ["s1"], 0.5, 1.5, True)]
    verdict = check_history(h)
    windows = [smallest_window(k.key, h.by_key()[k.key]) for k in verdict.failures]
    page = timeline.render(h, [("linearizable", verdict.ok, "")], windows, title="t</script>")
    return page, h


def test_timeline_is_self_contained():
    page, _ = _page("stale read")
    assert "http://" not in page and "https://" not in page and "<link" not in page
    assert page.count("</script>") == 2  # the title and the data are escaped
    data = json.loads(re.search(r"const DATA = (.*?);</script>", page, re.S).group(1))
    assert data["windows"][0]["key"] == "x" and len(data["ops"]) == 3


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("name", ["stale read", "sequential"])
def test_timeline_script_runs(name):
    page, h = _page(name)
    script = "\n".join(re.findall(r"<script>(.*?)</script>", page, re.S))
    fake = Path(__file__).with_name("fake_dom.js")
    out = subprocess.run(["node", str(fake)], input=script, capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 0, out.stderr
    drawn = json.loads(out.stdout)
    assert drawn["ok"] and drawn["rects"] >= len(h.ops)
    if name == "stale read":
        assert drawn["jumps"] == 1 and drawn["details"] == 2  # heading and table
        assert drawn["strokes_after_jump"] >= 2  # the window's operations are outlined
    else:
        assert drawn["jumps"] == 0
    assert drawn["hovers"][0]  # hovering the first lane shows an operation

