"""The ``conform`` command: one entry point, one module per subcommand.

Each module in ``COMMANDS`` has ``register(subparsers)``, which adds its parser and sets
``func`` to a function of the parsed arguments returning the exit status. Bad input raises
:class:`~conformance.errors.UserError`, which is printed here as one message, without a
traceback unless ``--debug`` is given.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from conformance import __version__
from conformance.errors import UserError

COMMANDS = ["trace", "tlc", "modelcheck", "prove", "cluster", "kv", "corpus", "tlcsuite", "run",
            "bugs", "replay", "validate"]


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or only of the one ``argv`` names: a command imports only
    its own module (``conform cluster node`` started in 0.4 s instead of 1.7, most of it
    importing the TLA+ engine, Hypothesis and Z3 it does not use; a restart of every node
    waits for that)."""
    parser = argparse.ArgumentParser(
        prog="conform",
        description="Model-check the TLA+ specs and check the implementation against them.",
    )
    parser.add_argument("--version", action="version", version=f"conform {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    named = next((a for a in argv or [] if not a.startswith("-")), "")
    module = named.replace("-", "")  # tlc-suite is conformance.cli.tlcsuite
    if module in COMMANDS:
        importlib.import_module(f"conformance.cli.{module}").register(sub)
    if named not in sub.choices:
        for name in COMMANDS:
            if name != module:
                importlib.import_module(f"conformance.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as e:
        if args.debug:
            raise
        from conformance.cli.output import print_error

        print_error(e)
        return e.exit_code
    except BrokenPipeError:  # an OSError: the reader of our output went away (| head)
        return 0
    except OSError as e:
        # what the OS refused (a read-only folder, a full disk, a missing path): one line
        # naming the path; --debug shows where
        if args.debug:
            raise
        from conformance.cli.output import print_error

        where = e.filename if e.filename is not None else "conform"
        print_error(UserError(f"{where}: {e.strerror or e}"))
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
