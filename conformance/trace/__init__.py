"""Traces: the schema, the value encoding, and the files (NDJSON, ITF export)."""

from conformance.trace.files import (
    TraceFileError,
    TraceWriter,
    read_itf,
    read_trace,
    write_itf,
    write_trace,
)
from conformance.trace.schema import INIT, Step, Trace, TraceHeader

__all__ = ["INIT", "Step", "Trace", "TraceFileError", "TraceHeader", "TraceWriter",
           "read_itf", "read_trace", "write_itf", "write_trace"]
