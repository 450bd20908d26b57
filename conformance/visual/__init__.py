"""Failures you can see: self-contained HTML pages (no network, one file) of traces.

:mod:`.page` is the shell every page shares (escaping, inlined style, script and data);
:mod:`.sequence` reads a trace as a message-sequence chart (lanes, events, messages and
their fates); :mod:`.trace_page` draws one as SVG with the spec state beside it.
"""
