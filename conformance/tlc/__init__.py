"""The bridge to the real TLC: find or install the jar, run it, read what it says.

* ``release.py`` - the pinned tlaplus release and the user cache it installs into;
* ``install.py`` - ``conform tlc install``: download, check the SHA-256, install atomically;
* ``toolchain.py`` - find Java and the jar, check their versions and what the jar accepts;
* ``stream.py`` - cut TLC's ``-tool`` output into messages as it arrives;
* ``report.py`` - gather the messages of a run and decide its outcome;
* ``printed.py`` - read the TLA+ values TLC prints;
* ``counterexample.py`` - import counterexamples from printed states, trace.tla, trace.json;
* ``runner.py`` - run TLC as a subprocess and build the CheckResult.

A model's .cfg is read (for the constants a trace header records, and the line of a name
TLC complains about) by the engine's parser, :mod:`conformance.tla.cfg`.
"""

from conformance.tlc.runner import run_tlc
from conformance.tlc.toolchain import Toolchain, find_toolchain, tlc_available

__all__ = ["Toolchain", "find_toolchain", "run_tlc", "tlc_available"]
