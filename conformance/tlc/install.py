"""``conform tlc install``: put the pinned TLC release in the user cache, checked.

The jar is downloaded (or copied from a file already downloaded, for machines without
internet) into a temporary file beside its destination while its SHA-256 is computed. Only a
file whose digest is the pinned one and that holds TLC is renamed into place, in one atomic
step; anything else is deleted, so a failed or tampered download leaves nothing behind. This
is the only place in the project that uses the network.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from conformance import outputs
from conformance.errors import UserError
from conformance.tlc.release import PINNED, Release, installed_jar
from conformance.tlc.toolchain import jar_features

_CHUNK = 1 << 16


@dataclass(frozen=True)
class Installed:
    path: Path
    sha256: str
    fresh: bool  # False: a matching jar was already there


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def install(release: Release | None = None, *, dest: Path | None = None, force: bool = False,
            source: Path | None = None, timeout: float = 60.0,
            progress: Callable[[int, int | None], None] | None = None) -> Installed:
    """Install ``release``'s jar (the pinned one by default) at ``dest`` (the user cache).

    ``source`` installs a file already on disk instead of downloading; it is checked the same
    way. Without ``force``, a jar already in place with the right digest is kept as it is.
    """
    release = release or PINNED
    dest = dest or installed_jar(release)
    if dest.is_file() and not force:
        if sha256_of(dest) == release.sha256:
            return Installed(dest, release.sha256, fresh=False)
        raise UserError(f"{dest} exists but is not the pinned tla2tools.jar {release.version} "
                        "(its SHA-256 differs).",
                        hint="Run `conform tlc install --force` to replace it.")
    outputs.ensure_dir(dest.parent)
    outputs.check_target(dest)
    try:
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    except OSError as e:
        raise outputs.OutputError(f"cannot install into {dest.parent}: {e.strerror or e}",
                                  hint="set XDG_CACHE_HOME to a folder you can write")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            if source is not None:
                digest = _copy(source, out, release, progress)
            else:
                digest = _download(release, out, timeout, progress)
        if digest != release.sha256:
            where = source if source is not None else release.url
            raise UserError(f"the SHA-256 of {where} is {digest}, not the pinned "
                            f"{release.sha256}: nothing was installed.",
                            hint=f"It is not tla2tools.jar {release.version} from "
                                 f"{release.url}" + (" (a jar built from source or another "
                                                     "release can be used with TLA2TOOLS_JAR)."
                                                     if source is not None else
                                                     ", or it was corrupted; try again."))
        if release.member == "tlc2/TLC.class":
            jar_features(tmp)  # a UserError unless it holds tlc2/TLC.class
        else:
            _holds(tmp, release, source if source is not None else release.url)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return Installed(dest, release.sha256, fresh=True)


def _holds(jar: Path, release: Release, where: object) -> None:
    try:
        with zipfile.ZipFile(jar) as z:
            if release.member in z.namelist():
                return
    except (zipfile.BadZipFile, OSError):
        pass
    raise UserError(f"{where} is not {release.name}.jar (no {release.member} in it): "
                    "nothing was installed.")


def pinned_release_of(path: Path) -> Release:
    """The pinned release whose digest ``path`` has (for ``install --from FILE``)."""
    from conformance.tlc import release as releases

    try:
        digest = sha256_of(path)
    except OSError as e:
        raise UserError(f"cannot read {path}: {e.strerror or e}")
    for r in (releases.PINNED, releases.COMMUNITY):
        if digest == r.sha256:
            return r
    return releases.PINNED  # checked again by install(), which says what is wrong


def _copy(source: Path, out: IO[bytes], release: Release,
          progress: Callable[[int, int | None], None] | None) -> str:
    try:
        size = source.stat().st_size
        with open(source, "rb") as f:
            return _stream(f, out, size, release, progress, str(source))
    except OSError as e:
        raise UserError(f"cannot read {source}: {e.strerror or e}")


def _download(release: Release, out: IO[bytes], timeout: float,
              progress: Callable[[int, int | None], None] | None) -> str:
    request = urllib.request.Request(release.url, headers={"User-Agent": "conform"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            size = int(length) if length and length.isdigit() else None
            return _stream(response, out, size, release, progress, release.url)
    except urllib.error.HTTPError as e:
        raise UserError(f"downloading {release.url} failed: HTTP {e.code} {e.reason}",
                        hint="Check the network or a proxy (HTTPS_PROXY), or download the jar "
                             "yourself and run `conform tlc install --from FILE`.")
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", None) or e
        raise UserError(f"downloading {release.url} failed: {reason}",
                        hint="Check the network or a proxy (HTTPS_PROXY), or download the jar "
                             "yourself and run `conform tlc install --from FILE`.")


def _stream(src: IO[bytes], out: IO[bytes], size: int | None, release: Release,
            progress: Callable[[int, int | None], None] | None, where: str) -> str:
    limit = max(release.size * 4, 1 << 20)  # far more than the jar: something else is there
    digest = hashlib.sha256()
    done = 0
    while True:
        chunk = src.read(_CHUNK)
        if not chunk:
            break
        done += len(chunk)
        if done > limit:
            raise UserError(f"{where} is larger than {limit:,} bytes; it is not the "
                            f"{release.size:,}-byte tla2tools.jar {release.version}.")
        digest.update(chunk)
        out.write(chunk)
        if progress is not None:
            progress(done, size)
    return digest.hexdigest()


__all__ = ["Installed", "install", "pinned_release_of", "sha256_of"]
