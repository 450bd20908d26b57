"""The pytest plugin: the marker configures the `conformance` fixture's campaigns."""

from __future__ import annotations

import pytest

from tests.conform.raft_runs import random_run


@pytest.mark.conformance(protocol="raft", examples=3, max_decisions=30)
def test_the_marker_configures_a_campaign(conformance):
    result = conformance.check()
    assert result.ok and result.progress.examples == 3
    assert result.protocol == "raft" and result.profile == "ci"


@pytest.mark.conformance("raft", examples=20, max_decisions=20, bug="quorum_off_by_one")
def test_a_divergence_fails_the_test_with_its_report_and_trace(conformance, tmp_path):
    conformance.out = tmp_path
    with pytest.raises(pytest.fail.Exception) as failed:
        conformance.check()
    text = str(failed.value)
    assert "Timeout" in text and "led elsewhere" in text and str(tmp_path) in text
    assert "conform replay" in text


def test_the_spec_validator_fixture_checks_a_recorded_run(spec_validator):
    ex = random_run(seed=2, decisions=40)
    validator = spec_validator("raft", ex.protocol.variants[0].name)
    assert validator.validate(ex.steps) is None
