# The front door. Every target sets up .venv first, so each is one command on a fresh clone.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
CONFORM := $(VENV)/bin/conform
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: setup check modelcheck test lint prove clean

setup: $(STAMP)

# Re-installs only when pyproject.toml changes; a second `make setup` does nothing.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# The main job. Model checking now; the implementation's conformance joins it when it lands.
check: modelcheck

# Every model in specs/manifest.json, on TLC when it is found (else the embedded engine),
# compared with the manifest; counterexamples go to traces/counterexamples/.
modelcheck: setup
	$(CONFORM) modelcheck specs --engine auto

test: setup
	$(PY) -m pytest -q

# Z3 proofs of quorum intersection, the election restriction and Paxos value selection, about
# the implementation's own predicates. Bounds: make prove N=11 L=5 B=6 (servers, log length,
# ballots); QUORUMS lists the quorum-system files to prove as well.
QUORUMS ?= specs/quorums.toml
prove: setup
	$(CONFORM) prove $(if $(N),-n $(N)) $(if $(L),-l $(L)) $(if $(B),-b $(B)) \
		$(foreach f,$(QUORUMS),-q $(f))

lint: setup
	$(VENV)/bin/ruff check conformance impl tests bench
	$(VENV)/bin/mypy conformance impl

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
