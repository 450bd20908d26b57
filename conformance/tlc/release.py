"""The TLC release (and the CommunityModules release) that ``conform tlc install`` fetches,
and where it puts them.

Pinned to tlaplus v1.7.4 (TLC 2.19 of 08 August 2024): the newest release whose
``tla2tools.jar`` asset is immutable. v1.8.0 is a GitHub pre-release whose jar is rebuilt in
place on the same tag, so no SHA-256 of it stays true. The digest below is the one recorded
independently by several public projects that pin this asset (Bazel ``http_file`` rules and
CI scripts); the asset is 2,274,532 bytes.

CommunityModules (``SequencesExt``, ``Functions``, ``CSV``, ``IOUtils``... and the Java
overrides TLC runs them with) is pinned to its release 202412190202, whose
``CommunityModules.jar`` is 70,822 bytes; its digest was computed from that asset. TLC finds
the modules on its class path: ``conform`` puts the installed jar there (see toolchain).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Release:
    version: str
    url: str
    sha256: str
    size: int  # bytes, for a sanity limit on the download
    name: str = "tla2tools"  # the file's name in the cache: NAME-VERSION.jar
    member: str = "tlc2/TLC.class"  # a file the jar must hold


PINNED = Release(
    version="1.7.4",
    url="https://github.com/tlaplus/tlaplus/releases/download/v1.7.4/tla2tools.jar",
    sha256="936a262061c914694dfd669a543be24573c45d5aa0ff20a8b96b23d01e050e88",
    size=2_274_532,
)


COMMUNITY = Release(
    version="202412190202",
    url="https://github.com/tlaplus/CommunityModules/releases/download/202412190202/"
        "CommunityModules.jar",
    sha256="3cacb3d9af6ae4de500d32c83b227a5d8ab492e1030b70b2941ac77fa2aa3a14",
    size=70_822,
    name="CommunityModules",
    member="SequencesExt.tla",
)


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/conform`` (``~/.cache/conform`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "conform"


def installed_jar(release: Release | None = None) -> Path:
    """Where ``conform tlc install`` puts the jar of ``release`` (the pinned one)."""
    release = release or PINNED
    return cache_dir() / f"{release.name}-{release.version}.jar"
