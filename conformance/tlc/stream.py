"""TLC's ``-tool`` output, cut into messages line by line as it arrives.

With ``-tool``, TLC frames each message it prints::

    @!@!@STARTMSG 2110:1 @!@!@
    Invariant Small is violated.
    @!@!@ENDMSG 2110 @!@!@

where 2110 is the message code (``tlc2.output.EC``) and 1 the severity (0 plain output,
1 error, 2 TLC bug, 3 warning, 4 a state of a trace). Everything else arrives unframed: SANY's
parse and semantic errors, ``Print`` output, Java's own errors. :class:`MessageReader` takes
one line at a time, so a caller can react to a message (a progress report, the first error)
while TLC is still running, and never holds the whole output in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

# Severities, as TLC numbers them (tlc2.output.MP).
PLAIN, ERROR, TLC_BUG, WARNING, STATE = 0, 1, 2, 3, 4

_START = re.compile(r"^@!@!@STARTMSG (-?\d+):(\d+) @!@!@\s*$")
_END = re.compile(r"^@!@!@ENDMSG (-?\d+) @!@!@\s*$")


@dataclass(frozen=True)
class Message:
    """One framed message, or one unframed line (``code`` is None)."""

    code: int | None
    severity: int | None
    text: str

    @property
    def framed(self) -> bool:
        return self.code is not None

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0]


class MessageReader:
    """Feed lines with :meth:`feed`; it returns the messages those lines complete."""

    def __init__(self) -> None:
        self._code: int | None = None
        self._severity: int | None = None
        self._body: list[str] = []

    def feed(self, line: str) -> list[Message]:
        line = line.rstrip("\r\n")
        out: list[Message] = []
        start = _START.match(line)
        if start:
            if self._code is not None:  # an unterminated message: keep what it said
                out.append(self._flush())
            self._code, self._severity = int(start.group(1)), int(start.group(2))
            return out
        if self._code is not None:
            end = _END.match(line)
            if end:
                out.append(self._flush())
            else:
                self._body.append(line)
            return out
        out.append(Message(None, None, line))
        return out

    def close(self) -> list[Message]:
        """The end of the stream: a message TLC did not finish (it was killed) is kept."""
        return [self._flush()] if self._code is not None else []

    def _flush(self) -> Message:
        body = self._body
        while body and not body[-1].strip():
            body.pop()
        msg = Message(self._code, self._severity, "\n".join(body))
        self._code, self._severity, self._body = None, None, []
        return msg


def read_messages(lines: Iterable[str]) -> Iterator[Message]:
    """All messages of a recorded or live output, in order."""
    reader = MessageReader()
    for line in lines:
        yield from reader.feed(line)
    yield from reader.close()
