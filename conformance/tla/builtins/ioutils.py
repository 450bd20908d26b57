"""IOUtils and CSV: the environment and atoi; what reads, writes or runs outside the model
(IOUtils' processes and serialization, CSV's files) is refused when it is evaluated, with a
message that says so: a spec that names such an operator loads, and one whose checking never
evaluates it (an earlier ASSUME fails, say) gets TLC's verdict."""

from __future__ import annotations

from conformance.tla.builtins.native import Native, fail_arg, op, ppr
from conformance.tla.errors import EvalError
from conformance.values import Fn, Tup


def io_env():
    import os

    return Fn({k: v for k, v in os.environ.items()}) if os.environ else Tup()


def atoi(s):
    if type(s) is not str:
        raise fail_arg("first", "atoi", "string", s)
    try:
        return int(s)
    except ValueError:
        raise EvalError(f"atoi: {ppr(s)} is not a number")


def _unsupported_io(name):
    def f(*args):
        raise EvalError(f"{name} (reading, writing or running outside the model) is not "
                        "supported by the embedded engine.")
    return f




MODULES: dict[str, dict[str, Native]] = {
    "IOUtils": {
        "IOEnv": op(0, io_env, impure=True), "atoi": op(1, atoi),
        "IOExec": op(1, _unsupported_io("IOExec"), impure=True),
        "IOEnvExec": op(2, _unsupported_io("IOEnvExec"), impure=True),
        "IOExecTemplate": op(2, _unsupported_io("IOExecTemplate"), impure=True),
        "IOEnvExecTemplate": op(3, _unsupported_io("IOEnvExecTemplate"), impure=True),
        "IOSerialize": op(3, _unsupported_io("IOSerialize"), impure=True),
        "IODeserialize": op(2, _unsupported_io("IODeserialize"), impure=True),
        "Serialize": op(3, _unsupported_io("Serialize"), impure=True),
        "Deserialize": op(2, _unsupported_io("Deserialize"), impure=True),
    },
    "CSV": {
        "CSVWrite": op(3, _unsupported_io("CSVWrite"), impure=True),
        "CSVWriteRecord": op(4, _unsupported_io("CSVWriteRecord"), impure=True),
        "CSVRead": op(3, _unsupported_io("CSVRead"), impure=True),
        "CSVRecords": op(1, _unsupported_io("CSVRecords"), impure=True),
    },
}
