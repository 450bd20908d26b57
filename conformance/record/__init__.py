"""Recording a real system's runs, one file per node, and merging them for validation.

:class:`Recorder` is what an implementation calls (see its module for the API);
:data:`UNKNOWN` marks a part of a value the node does not know. :mod:`.reader` reads a
node's file, :mod:`.merge` merges the files of one run for :mod:`conformance.validate.causal`.
"""

from conformance.record.pattern import UNKNOWN
from conformance.record.recorder import FORMAT, VERSION, Recorder

__all__ = ["FORMAT", "UNKNOWN", "VERSION", "Recorder"]
