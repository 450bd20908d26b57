"""The spec's implementation-choice constants, as impl/raft makes them (specs/README.md)."""

from __future__ import annotations

import pytest

from conformance import protocols
from conformance.errors import UserError
from conformance.protocols import SPECS
from conformance.tla.errors import ConfigError
from conformance.validate import SpecEngine
from impl.raft.abstraction import CHOICES

SETTINGS = {"servers": ["s1", "s2", "s3"], "initial": ["s1", "s2", "s3"], "values": ["v1"],
            "pre_vote": False, "check_quorum": True, "batch": 1}


def test_the_protocol_binds_the_choices_impl_raft_makes_and_replays_only_those():
    raft = protocols.get("raft")
    consts = raft.constants(SETTINGS)
    assert {k: consts[k] for k in CHOICES} == CHOICES
    assert raft.settings_for(consts)["check_quorum"] is True
    for key, value in (("Pipeline", True), ("RejectHint", "Entry"), ("CommitOnTick", True)):
        with pytest.raises(UserError, match=f"{key} = .*impl/raft implements {key}"):
            raft.settings_for({**consts, key: value})


def test_a_header_without_a_choice_constant_names_the_constant_in_the_spec():
    consts = protocols.get("raft").constants(SETTINGS)
    del consts["RewindOnSuccess"]
    with pytest.raises(ConfigError) as e:
        SpecEngine(SPECS / "Raft.tla", consts)
    assert "RewindOnSuccess is not assigned a value" in e.value.message
    assert e.value.position is not None and e.value.position.file.endswith("Raft.tla")
    line = (SPECS / "Raft.tla").read_text().splitlines()[e.value.position.line - 1]
    assert line.strip().startswith("RewindOnSuccess,")
    assert "must give every constant Raft.tla declares" in (e.value.hint or "")
