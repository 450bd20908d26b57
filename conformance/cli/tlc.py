"""``conform tlc``: install the pinned TLC, and show which TLC and Java would run."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tlc", help="install TLC, or show which TLC and Java are found")
    tsub = p.add_subparsers(dest="tlc_command", metavar="ACTION", required=True)

    inst = tsub.add_parser("install", help="download the pinned tla2tools.jar, check its "
                                           "SHA-256, and install it in the user cache")
    inst.add_argument("--force", action="store_true",
                      help="download and replace the jar even if one is installed")
    inst.add_argument("--from", dest="source", metavar="FILE",
                      help="install a tla2tools.jar already downloaded (checked the same way)")
    inst.set_defaults(func=_install)

    where = tsub.add_parser("where", help="show the jar, TLC's version and the Java found")
    where.set_defaults(func=_where)


def _install(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    from conformance.cli.output import console, err_console
    from conformance.tlc.install import install
    from conformance.tlc.release import PINNED

    source = Path(args.source).expanduser() if args.source else None
    what = source if source is not None else PINNED.url
    err_console.print(f"installing tla2tools.jar {PINNED.version} from {what}", soft_wrap=True)
    with Progress("{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                  console=err_console, transient=True,
                  disable=not err_console.is_terminal) as bar:
        task = bar.add_task("tla2tools.jar", total=PINNED.size)

        def progress(done: int, size: int | None) -> None:
            bar.update(task, completed=done, total=size or PINNED.size)

        result = install(force=args.force, source=source, progress=progress)
    if result.fresh:
        console.print(f"installed {result.path}")
    else:
        console.print(f"already installed: {result.path} (use --force to download it again)")
    console.print(f"SHA-256 {result.sha256} (pinned)")
    return 0


def _where(args: argparse.Namespace) -> int:
    from conformance.cli.output import console
    from conformance.errors import UserError
    from conformance.tlc import toolchain
    from conformance.tlc.release import PINNED, installed_jar

    problems: list[UserError] = []
    try:
        jar, source = toolchain.find_jar()
        features = toolchain.jar_features(jar)
        dumps = [name for name, ok in (("trace.json", features.dump_trace_json),
                                       ("trace.tla", features.dump_trace_tla)) if ok]
        console.print(f"jar      {jar}  (from {source})", markup=False, soft_wrap=True)
        console.print("dumps    " + (", ".join(dumps) if dumps else
                                     "none (counterexamples are read from TLC's output)"),
                      soft_wrap=True)
    except UserError as e:
        problems.append(e)
        console.print("jar      not found", markup=False, soft_wrap=True)
    try:
        java = toolchain.find_java()
        console.print(f"java     {java}  (Java {toolchain.java_version(java)})", markup=False,
                      soft_wrap=True)
    except UserError as e:
        problems.append(e)
        console.print("java     not found", markup=False, soft_wrap=True)
    cached = installed_jar()
    console.print(f"pinned   tla2tools.jar {PINNED.version} -> {cached}"
                  + ("" if cached.is_file() else "  (not installed)"), markup=False, soft_wrap=True)
    if problems:
        raise problems[0]
    tools = toolchain.find_toolchain()  # also checks the Java version
    console.print(f"TLC      {toolchain.tlc_version(tools)}", markup=False, soft_wrap=True)
    return 0
