"""No acknowledged write is missing from the final state.

After the faults heal, the test reads every key once more (the operations of the process
:data:`FINAL`). A write the cluster acknowledged is *lost* if the key's final value was
written entirely before that write began: then nothing the clients did can explain why
the acknowledged write left no trace (a later write would have replaced it, and there is
none after it). A final value that no client ever wrote is reported too. Linearizability
already forbids both, over the whole history; this check says it in the terms of the
promise users care about, write by write, and holds even where the linearizability search
gave up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from conformance.history.ops import History, Op

FINAL = "final"


@dataclass
class Lost:
    write: Op  # acknowledged, and gone
    final: str | None  # the key's final value
    by: Op | None  # the write that left it (None: the key's initial state)


@dataclass
class KeyDurability:
    key: str
    final: str | None
    read: bool  # the final read succeeded
    acknowledged: int
    lost: list[Lost] = field(default_factory=list)
    phantom: bool = False  # the final value was never written


@dataclass
class Durability:
    keys: list[KeyDurability]

    @property
    def ok(self) -> bool | None:
        if any(k.lost or k.phantom for k in self.keys):
            return False
        if any(not k.read for k in self.keys):
            return None
        return True

    @property
    def lost(self) -> list[Lost]:
        return [lost for k in self.keys for lost in k.lost]

    @property
    def acknowledged(self) -> int:
        return sum(k.acknowledged for k in self.keys)


def check_durability(history: History) -> Durability:
    out = []
    for key, ops in sorted(history.by_key().items()):
        finals = [op for op in ops if op.process == FINAL and op.kind == "get"
                  and op.status == "ok"]
        writes = [op for op in ops if op.is_write and op.process != FINAL
                  and op.status in ("ok", "unknown")]
        acked = [w for w in writes if w.status == "ok"]
        if not finals:
            out.append(KeyDurability(key, None, False, len(acked)))
            continue
        value = finals[-1].output
        verdict = KeyDurability(key, value, True, len(acked))
        if value is None:
            candidates: list[Op | None] = [None] + [w for w in writes if w.kind == "delete"]
        else:
            candidates = [w for w in writes if w.kind == "put" and w.value == value]
            verdict.phantom = not candidates
        if candidates:
            last = max(candidates, key=_completion)
            for w in acked:
                if w is last:
                    continue
                if _completion(last) < w.invoke:
                    verdict.lost.append(Lost(w, value, last))
        out.append(verdict)
    return Durability(out)


def _completion(op: Op | None) -> float:
    if op is None:
        return -math.inf
    return math.inf if op.complete is None else op.complete
