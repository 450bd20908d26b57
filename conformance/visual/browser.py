"""A headless Chromium to open the pages in: the tests check that the script runs, the
benchmark measures how long a page takes to open, and screenshots are taken with it.

Nothing is fetched: the page is a local file, and the browser runs with a fresh profile and
its background networking, updates and sync switched off. Its whole process group is
stopped when the call ends, however it ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--hide-scrollbars")


def find_browser() -> str | None:
    """A Chromium on PATH (``$CONFORM_BROWSER`` names another), or None."""
    named = os.environ.get("CONFORM_BROWSER")
    if named:
        return shutil.which(named)
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def _run(args: list[str], timeout: float) -> str:
    exe = find_browser()
    if exe is None:
        raise FileNotFoundError("no Chromium found (set CONFORM_BROWSER)")
    with tempfile.TemporaryDirectory(prefix="conform-browser-") as profile:
        proc = subprocess.Popen([exe, *FLAGS, f"--user-data-dir={profile}", *args],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                start_new_session=True)
        try:
            out, _ = proc.communicate(timeout=timeout)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"{exe} exited with status {proc.returncode}")
    return out


def _url(page: str | os.PathLike) -> str:
    text = str(page)
    path, _, fragment = text.partition("#")
    return Path(path).resolve().as_uri() + (f"#{fragment}" if fragment else "")


def load(page: str | os.PathLike, timeout: float = 90) -> str:
    """Open a page (``FILE`` or ``FILE#fragment``) and return its DOM once its scripts ran."""
    return _run(["--virtual-time-budget=5000", "--dump-dom", _url(page)], timeout)


def screenshot(page: str | os.PathLike, png: str | os.PathLike, width: int = 1700,
               height: int = 1000, timeout: float = 90) -> Path:
    """A PNG of the page as a window of ``width`` x ``height`` shows it."""
    png = Path(png).resolve()
    _run([f"--window-size={width},{height}", "--virtual-time-budget=5000",
          f"--screenshot={png}", _url(page)], timeout)
    return png
