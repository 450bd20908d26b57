"""A campaign's runs are a function of its protocol, bugs, profile and seed, never of what
ran before it in the process: the same runs alone in a fresh process as after campaigns of
other protocols (which import other code and load other specs), one process or several.

Each side runs in its own fresh interpreter, so that what this test process imported or
loaded before cannot make the two sides alike."""

from __future__ import annotations

import json
import subprocess
import sys

# the campaigns named run in turn (the last one longer); the last one's runs up to its first
# failure are printed: examples, events and decisions so far after each. (Shrinking, after
# it, is bounded by wall-clock seconds, so how far it gets depends on the machine's load.)
_SEQUENTIAL = """
import json, sys
from conformance import protocols
from conformance.schedules import profiles
from conformance.schedules.campaign import run_campaign
for n, spec in enumerate(sys.argv[1:], 2 - len(sys.argv)):
    profile = profiles.get("ci").with_overrides(examples=20 if n == 0 else 4,
                                                max_decisions=60)
    profile = profile.__class__(**{**profile.__dict__, "shrink_seconds": 1,
                                   "minimize_replays": 5})
    name, _, bug = spec.partition(":")
    seen = []
    r = run_campaign(protocols.get(name), profile, (bug,) if bug else (), seed=0,
                     save_dir=None, coverage=True,
                     on_example=lambda p: seen.append((p.examples, p.events, p.decisions)))
found = r.progress.found_at_example
print(json.dumps({"runs": seen[:found] if found else seen, "found_at": found}))
"""

# the same through the spread (-j 2): workers forked once, campaigns' slices handed out in
# turn, so a later campaign's slices run in workers where earlier campaigns ran; the last
# campaign is of a correct implementation (no shrinking: every figure is the runs')
_SPREAD = """
import json, sys
from conformance import protocols
from conformance.schedules import profiles
from conformance.schedules.spread import Campaign, run_spread
profile = profiles.get("ci").with_overrides(examples=12, max_decisions=60)
profile = profile.__class__(**{**profile.__dict__, "slice_examples": 4})
campaigns = []
for spec in sys.argv[1:]:
    name, _, bug = spec.partition(":")
    campaigns.append(Campaign(protocols.get(name), (bug,) if bug else ()))
r = run_spread(campaigns, profile, seed=0, jobs=2, save_dir=None)[-1]
p = r.progress
print(json.dumps({"runs": [p.examples, p.events, p.decisions], "ok": r.ok}))
"""


def _run(script: str, tmp_path, *campaigns: str) -> dict:
    out = subprocess.run([sys.executable, "-c", script, *campaigns], capture_output=True,
                         text=True, cwd=tmp_path, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_campaign_runs_the_same_after_other_protocols_campaigns(tmp_path):
    alone = _run(_SEQUENTIAL, tmp_path, "paxos:ignore_promised_values")
    after = _run(_SEQUENTIAL, tmp_path, "multipaxos", "raft:commit_old_term", "paxos",
                 "paxos:ignore_promised_values")
    assert len(alone["runs"]) >= 5
    assert after == alone


def test_a_campaign_runs_the_same_in_workers_shared_with_other_campaigns(tmp_path):
    alone = _run(_SPREAD, tmp_path, "paxos")
    after = _run(_SPREAD, tmp_path, "multipaxos", "raft", "paxos")
    assert alone["ok"] and alone["runs"][0] == 12 and alone["runs"][1] > 0
    assert after == alone
