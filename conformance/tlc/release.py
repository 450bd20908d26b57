"""The TLC release that ``conform tlc install`` fetches, and where it puts it.

Pinned to tlaplus v1.7.4 (TLC 2.19 of 08 August 2024): the newest release whose
``tla2tools.jar`` asset is immutable. v1.8.0 is a GitHub pre-release whose jar is rebuilt in
place on the same tag, so no SHA-256 of it stays true. The digest below is the one recorded
independently by several public projects that pin this asset (Bazel ``http_file`` rules and
CI scripts); the asset is 2,274,532 bytes.
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


PINNED = Release(
    version="1.7.4",
    url="https://github.com/tlaplus/tlaplus/releases/download/v1.7.4/tla2tools.jar",
    sha256="936a262061c914694dfd669a543be24573c45d5aa0ff20a8b96b23d01e050e88",
    size=2_274_532,
)


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/conform`` (``~/.cache/conform`` by default)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "conform"


def installed_jar(release: Release | None = None) -> Path:
    """Where ``conform tlc install`` puts the jar of ``release`` (the pinned one)."""
    return cache_dir() / f"tla2tools-{(release or PINNED).version}.jar"
