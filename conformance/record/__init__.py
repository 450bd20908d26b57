"""Recording a real system's runs, one file per node, and merging them for validation.

:class:`Recorder` is what an implementation calls (see its module for the API);
:data:`UNKNOWN` marks a part of a value the node does not know; :data:`RECEIVED` a
parameter that is the message received, given by its wire id alone; :class:`Encoded` a
value given in the trace's JSON encoding. :mod:`.reader` reads a
node's file, :mod:`.merge` merges the files of one run for :mod:`conformance.validate.causal`.
"""

from conformance.record.pattern import UNKNOWN, Encoded
from conformance.record.recorder import FORMAT, RECEIVED, VERSION, Recorder

__all__ = ["FORMAT", "RECEIVED", "UNKNOWN", "VERSION", "Encoded", "Recorder"]
