# The front door. Every target sets up .venv first, so each is one command on a fresh clone.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
CONFORM := $(VENV)/bin/conform
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: setup check modelcheck modelcheck-deep test lint prove conformance conformance-deep \
	conformance-bugs pysyncobj replay cluster-test bench clean

setup: $(STAMP)

# Re-installs only when pyproject.toml changes; a second `make setup` does nothing.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# The main job: model checking, then the implementations' conformance to the specs.
check: modelcheck conformance

# Every model in specs/manifest.json, on TLC when it is found (else the embedded engine),
# compared with the manifest; counterexamples go to traces/counterexamples/. ENGINE=embedded
# or ENGINE=tlc insists on one.
ENGINE ?= auto
modelcheck: setup
	$(CONFORM) modelcheck specs/manifest.json --engine $(ENGINE)

# The deep models (minutes each on TLC, longer on the embedded engine).
modelcheck-deep: setup
	$(CONFORM) modelcheck specs/manifest-deep.json --engine $(ENGINE)

test: setup
	$(PY) -m pytest -q

# Z3 proofs of quorum intersection, the election restriction and Paxos value selection, about
# the implementation's own predicates. Bounds: make prove N=11 L=5 B=6 (servers, log length,
# ballots); QUORUMS lists the quorum-system files to prove as well.
QUORUMS ?= specs/quorums.toml
prove: setup
	$(CONFORM) prove $(if $(N),-n $(N)) $(if $(L),-l $(L)) $(if $(B),-b $(B)) \
		$(foreach f,$(QUORUMS),-q $(f))

# Conformance: Hypothesis fault schedules drive the implementation, and every step it takes
# is checked against the spec. The CI profile has a fixed seed. BUG=name switches on a
# planted bug: the run must then fail and leave a replayable trace in traces/failing/.
# PROTOCOL= (default: all), SEED=, EXAMPLES= override. JOBS= worker processes (default: one
# per core; the runs and the verdict are the same for any number), SHARD=i/N runs the i-th of
# N shares (a CI matrix), EXAMPLE_DB= Hypothesis's example database (a directory,
# redis://host:port/db or none; default .hypothesis/examples, where failures are replayed
# first next time).
PROTOCOL ?= all
JOBS ?= 0
CONFORM_ARGS = --protocol $(PROTOCOL) $(if $(BUG),--bug $(BUG)) $(if $(SEED),--seed $(SEED)) \
	$(if $(EXAMPLES),--examples $(EXAMPLES)) -j $(JOBS) $(if $(SHARD),--shard $(SHARD)) \
	$(if $(EXAMPLE_DB),--example-db $(EXAMPLE_DB))
conformance: setup
	$(CONFORM) run --profile ci $(CONFORM_ARGS)

# A long campaign (10,000 examples, longer schedules, a fresh seed unless SEED= is given).
conformance-deep: setup
	$(CONFORM) run --profile deep $(CONFORM_ARGS)

# The planted-bug catalog: a campaign per bug, each must be caught; prints the table.
conformance-bugs: setup
	$(CONFORM) bugs --protocol $(PROTOCOL) $(if $(SEED),--seed $(SEED)) \
		$(if $(EXAMPLES),--examples $(EXAMPLES)) -j $(JOBS)

# PySyncObj (examples/pysyncobj/): a real 3-node cluster, traced from the outside, crashes and
# partitions, its node traces checked against specs/Raft.tla; prints the verdicts. PySyncObj is
# installed here if it is missing (it is in the dev extra, not a dependency of conform).
pysyncobj: setup
	@$(PY) -c 'import pysyncobj' 2>/dev/null || \
		$(PY) -m pip install --quiet --disable-pip-version-check 'pysyncobj==0.3.17'
	$(PY) examples/pysyncobj/run.py

# Re-run the implementation under a saved schedule: make replay TRACE=traces/failing/...
replay: setup
	@test -n "$(TRACE)" || { echo "usage: make replay TRACE=traces/failing/FILE.ndjson" >&2; exit 2; }
	$(CONFORM) replay $(TRACE)

# The cluster test: real server processes under a seeded nemesis, concurrent clients, the
# history checked for linearizability and lost writes; results, history and timeline.html in
# conform-cluster-test/PROTOCOL/. PROTOCOL=raft|multipaxos (default: both), NODES=3,
# SECONDS=30, CLIENTS=8, NEMESIS=kill,pause,restart-all (partition too), SEED=, BUG=.
NODES ?= 3
SECONDS ?= 30
CLIENTS ?= 8
NEMESIS ?= kill,pause,restart-all
cluster-test: setup
	@for p in $(if $(filter all,$(PROTOCOL)),raft multipaxos,$(PROTOCOL)); do \
		$(CONFORM) cluster test --protocol $$p --nodes $(NODES) --seconds $(SECONDS) \
			--clients $(CLIENTS) --nemesis $(NEMESIS) $(if $(SEED),--seed $(SEED)) \
			$(if $(BUG),--bug $(BUG)) --out conform-cluster-test/$$p || exit 1; \
	done

# Every benchmark, each writing its JSON to bench/results/NAME-TIME-COMMIT.json, so that runs
# on different commits compare. QUICK=1 shortens the ones that can be shortened.
BENCHES := predicates prove engine_bench conformance_bench raft_bench paxos_bench trace_page_bench \
	net_bench history_bench recovery_bench throughput_bench realruns_bench etcd_trace_bench
bench: setup
	@mkdir -p bench/results
	@tag=$$(date -u +%Y%m%dT%H%M%SZ)-$$(git rev-parse --short HEAD 2>/dev/null || echo nogit); \
	for b in $(BENCHES); do \
		case $$b in raft_bench|paxos_bench|net_bench|prove|history_bench|recovery_bench|\
			throughput_bench|realruns_bench|etcd_trace_bench) q=$(if $(QUICK),--quick);; *) q=;; esac; \
		echo "bench: $$b $$q" >&2; \
		$(PY) bench/$$b.py $$q > bench/results/$$b-$$tag.json || exit 1; \
	done; ls bench/results/*-$$tag.json

lint: setup
	$(VENV)/bin/ruff check conformance impl tests bench examples
	$(VENV)/bin/mypy conformance impl
	$(VENV)/bin/mypy examples/pysyncobj

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
