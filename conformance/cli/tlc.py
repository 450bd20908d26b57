"""``conform tlc``: install the pinned TLC, and show which TLC and Java would run."""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tlc", help="install TLC, or show which TLC and Java are found")
    tsub = p.add_subparsers(dest="tlc_command", metavar="ACTION", required=True)

    inst = tsub.add_parser("install", help="download the pinned tla2tools.jar and "
                                           "CommunityModules.jar, check their SHA-256, and "
                                           "install them in the user cache")
    inst.add_argument("--force", action="store_true",
                      help="download and replace a jar even if it is installed")
    inst.add_argument("--from", dest="sources", metavar="FILE", action="append",
                      help="install a jar already downloaded instead (tla2tools.jar or "
                           "CommunityModules.jar, told apart by its SHA-256; repeatable)")
    inst.set_defaults(func=_install)

    where = tsub.add_parser("where", help="show the jar, TLC's version and the Java found")
    where.set_defaults(func=_where)


def _install(args: argparse.Namespace) -> int:
    from conformance.tlc.install import pinned_release_of
    from conformance.tlc.release import COMMUNITY, PINNED

    if args.sources:
        for text in args.sources:
            source = Path(text).expanduser()
            _install_one(pinned_release_of(source), source, args.force)
    else:
        for release in (PINNED, COMMUNITY):
            _install_one(release, None, args.force)
    return 0


def _install_one(release, source: Path | None, force: bool) -> None:
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

    from conformance.cli.output import console, err_console
    from conformance.tlc.install import install

    what = source if source is not None else release.url
    err_console.print(f"installing {release.name}.jar {release.version} from {what}",
                      soft_wrap=True)
    with Progress("{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                  console=err_console, transient=True,
                  disable=not err_console.is_terminal) as bar:
        task = bar.add_task(f"{release.name}.jar", total=release.size)

        def progress(done: int, size: int | None) -> None:
            bar.update(task, completed=done, total=size or release.size)

        result = install(release, force=force, source=source, progress=progress)
    if result.fresh:
        console.print(f"installed {result.path}")
    else:
        console.print(f"already installed: {result.path} (use --force to download it again)")
    console.print(f"SHA-256 {result.sha256} (pinned)")


def _where(args: argparse.Namespace) -> int:
    from conformance.cli.output import console
    from conformance.errors import UserError
    from conformance.tlc import toolchain
    from conformance.tlc.release import COMMUNITY, PINNED, installed_jar

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
    community = installed_jar(COMMUNITY)
    console.print(f"modules  CommunityModules.jar {COMMUNITY.version} -> {community}"
                  + ("" if community.is_file() else "  (not installed)"), markup=False,
                  soft_wrap=True)
    try:
        extra = toolchain.extra_classpath()
    except UserError as e:
        problems.append(e)
        extra = ()
    if extra:
        console.print("classpath " + os.pathsep.join(str(p) for p in extra), markup=False,
                      soft_wrap=True)
    if problems:
        raise problems[0]
    tools = toolchain.find_toolchain()  # also checks the Java version
    console.print(f"TLC      {toolchain.tlc_version(tools)}", markup=False, soft_wrap=True)
    return 0
