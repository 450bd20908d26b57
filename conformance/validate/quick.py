"""Quick checks of a spec's costliest invariants, in Python, for validating long real runs.

Validating a real run checks every invariant on every state, and the state grows with the
run: a 1.5-second traced Raft cluster commits ~2,000 entries, and the spec's
``CommittedOnQuorum``, ``StateMachineSafety`` and ``LeaderCompleteness`` quantify over the
ghost set ``committed`` and the logs, costing the TLA+ evaluator ~20 ms per event by the end.
The checks here state the same invariants over the same values in plain Python (dictionaries
and identity-first comparisons), an order of magnitude faster. ``ReadLinearizable`` rebuilds
the committed prefix (a CHOOSE over ``committed`` per index) for every served read: its check
keeps the prefix's register values as ``committed`` grows; ``LogMatching`` compares every
pair of logs, and its check what each log added to the longest. Multi-Paxos's ``Agreement``
compares every pair of chosen commands, and ``DecidedChosen`` rebuilds ``Chosen`` from every
vote, at every state: their checks count each vote's acceptors once. ``AcceptedIsLatestVote``
looks at every accepted proposal and every vote of every acceptor: its check looks at what an
acceptor added since the invariant last held. Raft's ``ElectionSafety`` (every pair of
servers) and ``LeaderInConfig`` (each leader's configuration, read from its log) are cheap
but evaluated on every state whose roles or terms change: their checks are a loop over the
servers (bound when the constants give ``Server``).

A quick check only ever says "holds": when it returns True the invariant holds in that state
(it implements the TLA+ definition exactly, on the values' TLA+ equality); when it returns
False or meets a value of a shape it does not expect, the validator evaluates the spec's own
definition as before, so a violation is found, named and explained by the spec, never by
this module. The checks are keyed by spec module and invariant name; a spec edited so that
an invariant no longer means what its check states must update or drop the check here (the
tests compare them on states where each invariant fails).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from operator import is_
from typing import Any

from conformance.validate.engine import concrete
from conformance.values import Fn, FSet, Tup, typed_hash

Value = Any
State = tuple
Check = Callable[[State], bool]


def _eq(a: Value, b: Value) -> bool:
    """TLA+ equality of two values (Python's equates 1 and TRUE; the typed hash does not).
    The typed hash, cached on a record, first: most unequal entries differ there."""
    return a is b or (typed_hash(a) == typed_hash(b) and a == b)


def _fn(v: Value) -> dict:
    if type(v) is not Fn:
        raise _Shape
    return v.map


def _seq(v: Value) -> tuple:
    if type(v) is not Tup:
        raise _Shape
    return v


def _set(v: Value) -> FSet:
    if type(v) is not FSet:
        raise _Shape
    return v


def _int(v: Value) -> int:
    if type(v) is not int:
        raise _Shape
    return v


def _str(v: Value) -> str:
    if type(v) is not str:
        raise _Shape
    return v


class _Shape(Exception):
    """A value of a shape the quick check does not handle: the spec decides."""


def _committed(c: Value) -> tuple[int, Value, int, FSet]:
    m = _fn(c)
    cfg = _set(m["config"])
    return _int(m["index"]), m["entry"], _int(m["term"]), cfg


def _extends(new: tuple, old: tuple, k: int) -> bool:
    """Whether ``new`` holds the very objects of ``old``'s first ``k`` elements (compared
    in place: a long run's logs are not copied to be compared; and a long log found to
    extend another is remembered, for the other checks that ask the same of a step)."""
    if new is old:
        return True
    if len(new) < k:
        return False
    key = (id(new), id(old)) if k >= _LONG else None
    if key is not None:
        hit = _extended.get(key)
        if hit is not None and hit[0] is new and hit[1] is old and hit[2] >= k:
            return True
    if not all(map(is_, new, old if k >= len(old) else islice(old, k))):
        return False
    if key is not None:
        if len(_extended) >= 64:
            _extended.clear()
        _extended[key] = (new, old, k)  # (both kept: their ids stay theirs)
    return True


_LONG = 256  # a log this long is worth remembering that it extends another (see _extends)
_extended: dict[tuple[int, int], tuple[tuple, tuple, int]] = {}


def _grown(new: FSet, old: FSet | None) -> list | None:
    """The elements ``new`` adds to ``old``, or None if it is not a superset."""
    if old is None:
        return None
    if new is old:
        return []
    if not old <= new:
        return None
    return list(new - old)


_MISSING = object()


class _Prefix:
    """For ReadLinearizable: what ``committed`` says of indexes 1, 2, ...: the entry at
    each index, and for each n up to the first index not committed, the register's value
    after the first n entries (``state_at[0]`` is Nil); and the reads found to hold (by
    identity, keeping them alive)."""

    def __init__(self, nil: Value) -> None:
        self.committed: FSet | None = None
        self.at: dict[int, Value] = {}
        self.state_at: list[Value] = [nil]
        self.passed: dict[int, Value] = {}

    def grown(self, committed: FSet, added: list) -> _Prefix | None:
        """This prefix with the records ``added`` to reach ``committed`` (in place), or
        None where an index would get a second entry (or a shape not expected)."""
        at = self.at
        for c in added:
            index, entry, _, _ = _committed(c)
            had = at.setdefault(index, entry)
            if had is not entry and not _eq(had, entry):
                return None
        state_at = self.state_at
        n = len(state_at)
        while n in at:
            e = _fn(at[n])
            kind = e["kind"]
            if type(kind) is not str:
                raise _Shape  # the spec compares it with a string: it says what happens
            state_at.append(e["value"] if kind == "Value" else state_at[-1])
            n += 1
        self.committed = committed
        return self


class _Raft:
    """specs/Raft.tla's invariants over ``committed`` and the logs.

    Each check remembers the last state it passed and, when the new state only adds to it
    (``committed`` a superset; each log holding the very entry objects it held, then more),
    checks only what was added: what held of the old entries still holds. Otherwise it
    checks the whole state. Either way it decides from the state's values alone."""

    def __init__(self, index: dict[str, int], nil: Value = _MISSING,
                 servers: FSet | None = None, initial: FSet | None = None) -> None:
        self.committed = index["committed"]
        self.log = index["log"]
        self.state = index["state"]
        self.term = index["currentTerm"]
        self.commit = index["commitIndex"]
        self.reads = index.get("servedReads", -1)
        self.nil = nil  # the constant Nil
        self.servers = servers  # the constants Server and InitialConfig (when sets)
        self.initial = initial
        self._cfg: tuple | None = None  # (the log _config read last, its last config entry)
        self._coq: tuple | None = None  # (committed, logs) last passed
        self._sms: tuple | None = None  # (committed, at, logs, commitIndex) last passed
        self._lc: tuple | None = None  # (committed, leaders) last passed
        self._rl: _Prefix | None = None  # the committed prefix ReadLinearizable last passed
        self._lm: tuple | None = None  # (the longest log, logs) LogMatching last passed

    def _logs(self, s: State) -> dict:
        return {j: _seq(lg) for j, lg in _fn(concrete(s[self.log])).items()}

    def committed_on_quorum(self, s: State) -> bool:
        # \A c \in committed : IsQuorum({j : c.index <= Len(log[j]) /\ log[j][c.index] =
        # c.entry}, c.config)
        logs = self._logs(s)
        committed = _set(concrete(s[self.committed]))
        todo: Any = committed
        if self._coq is not None:
            old_c, old_logs = self._coq
            added = _grown(committed, old_c)
            if added is not None and logs.keys() == old_logs.keys() and all(
                    _extends(lg, old_logs[j], len(old_logs[j])) for j, lg in logs.items()):
                todo = added  # the old entries' holders are all still holding them
        self._coq = None
        for c in todo:
            index, entry, _, cfg = _committed(c)
            if index < 1:
                raise _Shape
            have = sum(1 for j, lg in logs.items()
                       if j in cfg and index <= len(lg) and _eq(lg[index - 1], entry))
            if not 2 * have > len(cfg):
                return False
        self._coq = (committed, logs)
        return True

    def state_machine_safety(self, s: State) -> bool:
        # LET pairs == {<<c.index, c.entry>> : c \in committed}
        # IN /\ Cardinality({p[1] : p \in pairs}) = Cardinality(pairs)
        #    /\ \A i \in Server : \A n \in 1..commitIndex[i] : <<n, log[i][n]>> \in pairs
        committed = _set(concrete(s[self.committed]))
        logs = self._logs(s)
        commit = _fn(concrete(s[self.commit]))
        prev, self._sms = self._sms, None
        added = _grown(committed, prev[0]) if prev is not None else None
        at: dict[int, Value] = {}
        if prev is None or added is None:
            added = list(committed)
            prev = None
        else:
            at = dict(prev[1])
        for c in added:
            index, entry, _, _ = _committed(c)
            had = at.setdefault(index, entry)
            if not _eq(had, entry):
                return False
        for i, ci in commit.items():
            lg = logs[i]
            if _int(ci) > len(lg):
                raise _Shape  # log[i][n] out of its domain: the spec's evaluation says so
            first = 1
            if prev is not None and i in prev[2] and i in prev[3]:
                done = min(prev[3][i], ci)  # checked then, against entries at still holds
                if _extends(lg, prev[2][i], done):
                    first = done + 1
            for n in range(first, ci + 1):
                e = at.get(n, _MISSING)
                if e is _MISSING or not _eq(lg[n - 1], e):
                    return False
        self._sms = (committed, at, logs, dict(commit))
        return True

    def leader_completeness(self, s: State) -> bool:
        # \A c \in committed : \A i \in Server :
        #     state[i] = "Leader" /\ currentTerm[i] >= c.term =>
        #         c.index <= Len(log[i]) /\ log[i][c.index] = c.entry
        roles, terms = _fn(concrete(s[self.state])), _fn(concrete(s[self.term]))
        logs = _fn(concrete(s[self.log]))
        committed = _set(concrete(s[self.committed]))
        leaders = {i: (_int(terms[i]), _seq(logs[i])) for i, r in roles.items()
                   if type(r) is str and r == "Leader"}
        prev, self._lc = self._lc, None
        added = _grown(committed, prev[0]) if prev is not None else None
        for i, (t, lg) in leaders.items():
            old = prev[1].get(i) if prev is not None else None
            todo: Any = committed
            if added is not None and old is not None and old[0] == t and \
                    _extends(lg, old[1], len(old[1])):
                todo = added  # the old entries were in its log then, and still are
            for c in todo:
                index, entry, term, _ = _committed(c)
                if t >= term and not (1 <= index <= len(lg) and _eq(lg[index - 1], entry)):
                    return False
        self._lc = (committed, leaders)
        return True

    def log_matching(self, s: State) -> bool:
        # \A i, j \in Server :
        #     LET k == Min(Len(log[i]), Len(log[j]))
        #     IN \/ SubSeq(log[i], 1, k) = SubSeq(log[j], 1, k)
        #        \/ \A n \in 1..k : ...
        # Passed where every log is a prefix of the longest, so that the first disjunct
        # holds for every pair; logs that part (a follower's stale suffix) are left to the
        # spec. A log that holds the very entries it held when last passed, and a longest
        # log that does too, are compared in their new entries only.
        logs = self._logs(s)
        if not logs:
            raise _Shape
        longest = max(logs.values(), key=len)
        prev, self._lm = self._lm, None
        grew = prev is not None and _extends(longest, prev[0], len(prev[0]))
        for j, lg in logs.items():
            if lg is longest:
                continue
            start = 0
            if grew and prev is not None:
                old = prev[1].get(j)  # a prefix of the longest log then, and so of this one
                if old is not None and _extends(lg, old, len(old)):
                    start = len(old)
            for n in range(start, len(lg)):
                x, y = lg[n], longest[n]
                if x is not y and not _eq(x, y):
                    return False
        self._lm = (longest, logs)
        return True

    def read_linearizable(self, s: State) -> bool:
        # LET indexes == {c.index : c \in committed}
        # IN \A r \in servedReads :
        #     /\ r.index >= r.start
        #     /\ \A n \in 1..r.index : n \in indexes
        #     /\ r.value = StateAt(CommittedPrefix(r.index), r.index)
        # CommittedPrefix(n): the entries committed at 1..n (by CHOOSE: one per index here,
        # or the spec decides); StateAt(lg, n): the value of the last "Value" entry of
        # lg's first n, or Nil. The spec's evaluation is quadratic in what was committed,
        # for every read; here the prefix's values are kept as committed grows, and a read
        # that passed is not checked again while no index changes its entry.
        committed = _set(concrete(s[self.committed]))
        reads = _set(concrete(s[self.reads]))
        prev, self._rl = self._rl, None
        added = _grown(committed, prev.committed) if prev is not None else None
        p = prev.grown(committed, added) if prev is not None and added is not None else \
            _Prefix(self.nil).grown(committed, list(committed))
        if p is None:
            return False  # two entries committed at one index: the spec's CHOOSE decides
        passed = p.passed
        for r in reads:
            if id(r) in passed:
                continue
            m = _fn(r)
            index, start, value = _int(m["index"]), _int(m["start"]), m["value"]
            if index < start or index > len(p.state_at) - 1 and index > 0:
                return False  # read too old, or an index up to it not committed
            if not _eq(value, p.state_at[max(index, 0)]):
                return False
            passed[id(r)] = r
        self._rl = p
        return True


    def election_safety(self, s: State) -> bool:
        # \A i, j \in Server :
        #     state[i] = "Leader" /\ state[j] = "Leader" /\ currentTerm[i] = currentTerm[j]
        #         => i = j
        roles, terms = _fn(concrete(s[self.state])), _fn(concrete(s[self.term]))
        seen = set()
        for i in self._servers():
            if _str(roles[i]) == "Leader":
                term = _int(terms[i])
                if term in seen:
                    return False
                seen.add(term)
        return True

    def leader_in_config(self, s: State) -> bool:
        # \A i \in Server : state[i] = "Leader" => i \in ConfigOf(log[i])
        roles = _fn(concrete(s[self.state]))
        logs = None
        for i in self._servers():
            if _str(roles[i]) == "Leader":
                if logs is None:
                    logs = _fn(concrete(s[self.log]))
                if i not in self._config(_seq(logs[i])):
                    return False
        return True

    def _servers(self) -> FSet:
        if self.servers is None:
            raise _Shape  # (not bound without the constant Server)
        return self.servers

    def _config(self, lg: tuple) -> FSet:
        # ConfigOf(lg) == LET at == {k \in 1..Len(lg) : lg[k].kind = "Config"}
        #                IN IF at = {} THEN InitialConfig ELSE lg[MaxOf(at)].value
        # (every entry's kind is compared with a string). The last log looked at is kept
        # with its answer: a log that holds its very entries, then more, is read in those.
        prev = self._cfg
        start, found = 0, None
        if prev is not None and _extends(lg, prev[0], len(prev[0])):
            start, found = len(prev[0]), prev[1]
        for n in range(start, len(lg)):
            if _str(_fn(lg[n])["kind"]) == "Config":
                found = n
        self._cfg = (lg, found)
        if found is None:
            if self.initial is None:
                raise _Shape
            return self.initial
        return _set(_fn(lg[found])["value"])


class _MultiPaxos:
    """specs/MultiPaxos.tla's invariants over ``Chosen``: the <<slot, command>> pairs some
    ballot's votes of a quorum of ``Server`` chose. The spec's ``Agreement`` compares every
    pair of chosen pairs, at every state; here the acceptors of each vote are counted in a
    table that follows the ghost ``votes`` as it grows (each acceptor's set a superset of
    the one counted, only its new votes are added; otherwise the table is built again)."""

    def __init__(self, index: dict[str, int], servers: FSet) -> None:
        self.votes = index["votes"]
        self.decided = index["decided"]
        self.accepted = index.get("accepted")  # (AcceptedIsLatestVote's, when the spec
        self.promised = index.get("promised")  # has them: see checks_for)
        self.server_set = servers
        self.servers = len(servers)  # Cardinality(Server)
        self._counted: dict | None = None  # acceptor -> its votes, as counted in _table
        # (slot, ballot, typed hash of the command, command) -> acceptors that voted it
        self._table: dict[tuple, set] = {}
        # slot -> the commands chosen for it (TLA+-distinct), grown with the table: a vote
        # is chosen once its acceptors are a quorum, and stays chosen as the votes grow
        self._chosen_by_slot: dict[int, list] = {}
        # acceptor -> (accepted[a], votes[a], promised[a]) last found to keep
        # AcceptedIsLatestVote, and -> (votes[a], (slot, bal) -> its commands, slot -> the
        # highest ballot of its votes) as indexed
        self._latest: dict = {}
        self._indexed: dict = {}
        self.executed = index.get("executed", -1)  # (ExecutedInOrder's, when there)
        # DecidedChosen: (the chosen table, server -> decided[i]) last passed
        self._dc: tuple | None = None
        # OneValuePerBallot: acceptor -> its votes, as paired; (slot, ballot) -> the vote
        self._paired: dict | None = None
        self._pairs: dict[tuple[int, int], Value] = {}
        # ExecutedInOrder: server -> (executed[i], decided[i]) last passed
        self._in_order: dict = {}

    def _chosen(self, s: State) -> dict[int, list]:
        """Slot -> the commands chosen for it (TLA+-distinct; one if Agreement holds)."""
        votes = {a: _set(concrete(v)) for a, v in _fn(concrete(s[self.votes])).items()}
        counted = self._counted
        added = None
        if counted is not None and counted.keys() == votes.keys():
            added = {a: _grown(v, counted[a]) for a, v in votes.items()}
        if added is None or any(new is None for new in added.values()):
            self._table, self._chosen_by_slot = {}, {}
            added = {a: list(v) for a, v in votes.items()}
        table, chosen = self._table, self._chosen_by_slot
        self._counted = None  # until the table is of this state
        # IsQuorum(S) == 2 * Cardinality(S \cap Server) > Cardinality(Server); the
        # acceptors are votes' domain, which TypeOK says is Server
        quorum = self.servers // 2 + 1
        for a, new in added.items():
            for r in new or ():  # (none is None here)
                m = _fn(r)
                k, val = _int(m["slot"]), m["val"]
                acceptors = table.setdefault((k, _int(m["bal"]), typed_hash(val), val), set())
                acceptors.add(a)
                if len(acceptors) == quorum:  # chosen just now
                    vals = chosen.setdefault(k, [])
                    if not any(_eq(val, w) for w in vals):
                        vals.append(val)
        self._counted = votes
        return chosen

    def agreement(self, s: State) -> bool:
        # \A c, d \in Chosen : c[1] = d[1] => c[2] = d[2]
        return all(len(vals) == 1 for vals in self._chosen(s).values())

    def decided_chosen(self, s: State) -> bool:
        # \A i \in Server : \A k \in DOMAIN decided[i] : <<k, decided[i][k]>> \in Chosen
        # A decision found chosen at the last pass (the very object, at its slot) is
        # chosen still while the table only grew: only the new ones are looked up.
        chosen = self._chosen(s)
        last, self._dc = self._dc, None
        before = last[1] if last is not None and last[0] is chosen else {}
        now = {}
        for i, d in _fn(concrete(s[self.decided])).items():
            d = concrete(d)  # a function of slots; <<>> or a sequence when its domain is 1..n
            old = before.get(i)
            if type(d) is Tup:
                first = len(old) if type(old) is Tup and _extends(d, old, len(old)) else 0
                items: Any = enumerate(d[first:], first + 1)
            else:
                held = _fn(old) if type(old) is Fn else {}
                items = ((k, c) for k, c in _fn(d).items() if held.get(k) is not c)
            for k, cmd in items:
                if not any(_eq(cmd, w) for w in chosen.get(_int(k), ())):
                    return False
            now[i] = d
        self._dc = (chosen, now)
        return True

    def one_value_per_ballot(self, s: State) -> bool:
        # LET all == UNION {votes[a] : a \in Server}
        # IN Cardinality({<<r.slot, r.bal>> : r \in all}) = Cardinality(all)
        # that is: no two different votes of one slot and ballot. The pairs follow the
        # votes as each acceptor's set grows (only its new votes are paired).
        votes = {a: _set(concrete(v)) for a, v in _fn(concrete(s[self.votes])).items()}
        paired, self._paired = self._paired, None
        added = None
        if paired is not None and paired.keys() == votes.keys():
            added = {a: _grown(v, paired[a]) for a, v in votes.items()}
        if added is None or any(new is None for new in added.values()):
            self._pairs = {}
            added = {a: list(v) for a, v in votes.items()}
        pairs = self._pairs
        for new in added.values():
            for r in new or ():
                m = _fn(r)
                key = (_int(m["slot"]), _int(m["bal"]))
                had = pairs.setdefault(key, r)
                if had is not r and not _eq(had, r):
                    self._pairs = {}
                    return False
        self._paired = votes
        return True

    def executed_in_order(self, s: State) -> bool:
        # \A i \in Server : \A n \in 1..Len(executed[i]) :
        #     n \in DOMAIN decided[i] /\ executed[i][n] = decided[i][n]
        # A replica whose executed sequence and decided function hold the very objects
        # they held at the last pass, up to what it had executed then, is checked in what
        # it executed since.
        executed = _fn(concrete(s[self.executed]))
        decided = _fn(concrete(s[self.decided]))
        last, self._in_order = self._in_order, {}
        now = {}
        for i in self.server_set:
            ex, dec = _seq(concrete(executed[i])), concrete(decided[i])
            first = 0
            old = last.get(i)
            if old is not None:
                k = len(old[0])
                if _extends(ex, old[0], k) and _same_upto(dec, old[1], k):
                    first = k
            for n in range(first + 1, len(ex) + 1):
                d = _at(dec, n)
                if d is _MISSING or not _eq(ex[n - 1], d):
                    return False
            now[i] = (ex, dec)
        self._in_order = now
        return True

    def accepted_is_latest_vote(self, s: State) -> bool:
        # \A a \in Server :
        #   /\ \A k \in DOMAIN accepted[a] : /\ accepted[a][k].bal <= promised[a]
        #                                  /\ [slot |-> k, bal |-> accepted[a][k].bal,
        #                                      val |-> accepted[a][k].val] \in votes[a]
        #   /\ \A r \in votes[a] : r.slot \in DOMAIN accepted[a] =>
        #                            r.bal <= accepted[a][r.slot].bal
        # An acceptor whose accepted[a] and votes[a] only grew since they last held, its
        # promise not lower, is checked on what was added: an old entry's vote is still
        # in the larger set and under the promise; an old vote is compared again only if
        # its slot's accepted proposal changed.
        ai, pi = self.accepted, self.promised
        assert ai is not None and pi is not None  # checks_for offers the check only then
        accepted = _fn(concrete(s[ai]))
        promised = _fn(concrete(s[pi]))
        votes = _fn(concrete(s[self.votes]))
        for a in self.server_set:
            acc = concrete(accepted[a])
            prom = _int(promised[a])
            v = _set(concrete(votes[a]))
            last = self._latest.get(a)
            if last is not None and last[0] is acc and last[1] is v and last[2] <= prom:
                continue
            indexed, by_ballot, top, new_votes = self._index(a, v)
            changed: Any = None
            if last is not None and indexed is last[1] and new_votes is not None and \
                    last[2] <= prom:
                old = last[0]
                if type(acc) is Tup and type(old) is Tup and _extends(acc, old, len(old)):
                    changed = range(len(old) + 1, len(acc) + 1)
                elif type(acc) is Fn and type(old) is Fn:
                    om = old.map
                    changed = [k for k, p in acc.map.items() if om.get(k, _MISSING) is not p]
            slots: Any = top
            if changed is None:  # the whole acceptor
                changed = range(1, len(acc) + 1) if type(acc) is Tup else _fn(acc)
            else:
                slots = [_int(_fn(r)["slot"]) for r in new_votes or ()] + list(changed)
            for k in changed:
                pm = _fn(concrete(_at(acc, k)))
                b = _int(pm["bal"])
                if b > prom or not any(_eq(pm["val"], w)
                                       for w in by_ballot.get((_int(k), b), ())):
                    return False
            for k in slots:
                p = _at(acc, k) if k in top else _MISSING
                if p is not _MISSING and top[k] > _int(_fn(concrete(p))["bal"]):
                    return False
            self._latest[a] = (acc, v, prom)
        return True

    def _index(self, a: Value, v: FSet) -> tuple[FSet | None, dict, dict, list | None]:
        """Acceptor ``a``'s votes ``v`` by (slot, ballot) -> commands and by slot -> the
        highest ballot, grown from the last index when ``v`` only added to the set it was of:
        (the votes last indexed, the two tables, the votes added — None if built anew)."""
        got = self._indexed.get(a)
        added = _grown(v, got[0]) if got is not None else None
        if got is None or added is None:
            prev, by_ballot, top = None, {}, {}
            todo = list(v)
        else:
            prev, by_ballot, top = got
            todo = added
        self._indexed.pop(a, None)  # until the index is of v
        for r in todo:
            m = _fn(r)
            if m.keys() != _VOTE:  # no record [slot, bal, val] equals it: the spec decides
                raise _Shape
            k, b = _int(m["slot"]), _int(m["bal"])
            by_ballot.setdefault((k, b), []).append(m["val"])
            if k not in top or b > top[k]:
                top[k] = b
        self._indexed[a] = (v, by_ballot, top)
        return prev, by_ballot, top, added


_VOTE = frozenset({"slot", "bal", "val"})


def _same_upto(new: Value, old: Value, k: int) -> bool:
    """Whether the function of slots ``new`` holds at slots 1..k the very objects ``old``
    does (both defined there)."""
    if new is old:
        return True
    if type(new) is Tup and type(old) is Tup:
        return _extends(new, old, k)
    return all(_at(new, n) is _at(old, n) is not _MISSING for n in range(1, k + 1))


def _at(f: Value, k: int) -> Value:
    """``f[k]`` of a function of slots (a sequence when its domain is 1..n), or _MISSING
    outside its domain."""
    if type(f) is Tup:
        return f[k - 1] if 1 <= k <= len(f) else _MISSING
    return _fn(f).get(k, _MISSING)


def checks_for(spec: str, index: dict[str, int],
               constants: dict[str, Value] | None = None) -> dict[str, Check]:
    """The quick checks of the spec module ``spec`` (by invariant name), given the index of
    each variable in a state and the spec's constants; each returns True only when the
    invariant holds."""
    if spec == "Raft" and {"committed", "log", "state", "currentTerm",
                           "commitIndex"} <= set(index):
        nil = (constants or {}).get("Nil", _MISSING)
        servers = (constants or {}).get("Server")
        initial = (constants or {}).get("InitialConfig")
        raft = _Raft(index, nil, servers if type(servers) is FSet else None,
                     initial if type(initial) is FSet else None)
        named = {"CommittedOnQuorum": raft.committed_on_quorum,
                 "StateMachineSafety": raft.state_machine_safety,
                 "LeaderCompleteness": raft.leader_completeness,
                 "LogMatching": raft.log_matching}
        if "servedReads" in index and nil is not _MISSING:
            named["ReadLinearizable"] = raft.read_linearizable
        if raft.servers is not None:
            named["ElectionSafety"] = raft.election_safety
            named["LeaderInConfig"] = raft.leader_in_config
        return {name: _guarded(fn) for name, fn in named.items()}
    servers = (constants or {}).get("Server")
    if spec == "MultiPaxos" and {"votes", "decided"} <= set(index) and \
            type(servers) is FSet:
        mp = _MultiPaxos(index, servers)
        named = {"Agreement": mp.agreement, "DecidedChosen": mp.decided_chosen,
                 "OneValuePerBallot": mp.one_value_per_ballot}
        if "executed" in index:
            named["ExecutedInOrder"] = mp.executed_in_order
        if {"accepted", "promised"} <= set(index):
            named["AcceptedIsLatestVote"] = mp.accepted_is_latest_vote
        return {name: _guarded(fn) for name, fn in named.items()}
    return {}


def piece_checks_for(spec: str, index: dict[str, int]) -> dict[str, Check]:
    """Quick checks of single conjuncts of the spec module ``spec``'s invariants, by the
    conjunct's text (its words, one space apart): a check applies only to a conjunct that
    reads exactly so, whatever invariant it is a piece of. Raft's message bag changes at
    nearly every event, and its count conjunct is re-checked each time."""
    if spec == "Raft" and "msgs" in index:
        bag = index["msgs"]

        def counts(s: State) -> bool:
            # \A m \in DOMAIN msgs : msgs[m] \in Nat \ {0}
            v = concrete(s[bag])
            entries = v if type(v) is Tup else _fn(v).values()
            for n in entries:
                if type(n) is not int or n < 1:
                    return False
            return True
        return {"\\A m \\in DOMAIN msgs : msgs[m] \\in Nat \\ {0}": _guarded(counts)}
    return {}


def _guarded(fn: Check) -> Check:
    def check(s: State) -> bool:
        try:
            return fn(s) is True
        except (_Shape, KeyError, IndexError, TypeError):
            return False  # not decided here: the spec's definition is evaluated
    return check
