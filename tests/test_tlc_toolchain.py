"""Finding Java and the jar, and installing the pinned jar from a local server."""

from __future__ import annotations

import hashlib
import http.server
import os
import threading
import zipfile
from pathlib import Path

import pytest
from tlc_support import fake_jar, fake_java

from conformance.cli import main
from conformance.errors import UserError
from conformance.tlc import release, toolchain
from conformance.tlc.install import install, sha256_of
from conformance.tlc.release import Release


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No TLA2TOOLS_JAR, no JAVA_HOME, an empty user cache."""
    monkeypatch.delenv("TLA2TOOLS_JAR", raising=False)
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


# --------------------------------------------------------------------------- finding


def test_the_cache_follows_xdg(clean_env):
    assert release.installed_jar() == clean_env / "cache" / "conform" / "tla2tools-1.7.4.jar"


def test_no_jar_says_how_to_get_one(clean_env):
    with pytest.raises(UserError) as e:
        toolchain.find_jar()
    assert "TLA2TOOLS_JAR is not set" in e.value.message
    assert "conform tlc install" in e.value.hint


def test_a_wrong_tla2tools_jar_variable_is_reported(clean_env, monkeypatch):
    monkeypatch.setenv("TLA2TOOLS_JAR", str(clean_env / "nowhere.jar"))
    with pytest.raises(UserError, match="TLA2TOOLS_JAR is set to .*nowhere.jar"):
        toolchain.find_jar()


def test_the_variable_wins_over_the_cache(clean_env, monkeypatch):
    cached = release.installed_jar()
    cached.parent.mkdir(parents=True)
    fake_jar(cached)
    assert toolchain.find_jar() == (cached, "conform tlc install")
    mine = fake_jar(clean_env / "mine.jar")
    monkeypatch.setenv("TLA2TOOLS_JAR", str(mine))
    assert toolchain.find_jar() == (mine, "TLA2TOOLS_JAR")


def test_a_file_that_is_not_tlc(clean_env):
    not_zip = clean_env / "a.jar"
    not_zip.write_text("hello")
    with pytest.raises(UserError, match="is not a TLC jar"):
        toolchain.jar_features(not_zip)
    other = clean_env / "other.jar"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("org/Other.class", b"")
    with pytest.raises(UserError, match="no tlc2/TLC.class"):
        toolchain.jar_features(other)


def test_features_come_from_the_jar(clean_env):
    new = toolchain.jar_features(fake_jar(clean_env / "new.jar"))
    assert new == toolchain.Features(True, True, True)
    old = toolchain.jar_features(fake_jar(clean_env / "old.jar", dumps=False))
    assert old == toolchain.Features(False, False, False)


@pytest.mark.parametrize("text, major", [
    ('openjdk version "17.0.15" 2025-04-15', 17), ('java version "1.8.0_292"', 8),
    ('openjdk version "21" 2023-09-19', 21), ('openjdk version "11.0.2"', 11),
    ("no version here", None)])
def test_java_versions(text, major):
    assert toolchain.parse_java_version(text) == major


def test_no_java(clean_env, monkeypatch):
    monkeypatch.setenv("PATH", str(clean_env / "empty"))
    with pytest.raises(UserError) as e:
        toolchain.find_java()
    assert "Java was not found" in e.value.message and "Java 11" in e.value.message


def test_java_home_comes_first(clean_env, monkeypatch):
    home = fake_java(clean_env / "jdk")
    monkeypatch.setenv("JAVA_HOME", str(home))
    assert toolchain.find_java() == home / "bin" / "java"


def test_an_old_java_is_refused(clean_env, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", str(fake_java(clean_env / "jdk")))
    monkeypatch.setenv("FAKE_JAVA_VERSION", 'java version "1.8.0_292"')
    monkeypatch.setenv("TLA2TOOLS_JAR", str(fake_jar(clean_env / "t.jar")))
    with pytest.raises(UserError, match="TLC needs Java 11 or newer; .* is Java 8"):
        toolchain.find_toolchain()
    assert not toolchain.tlc_available()
    monkeypatch.setenv("FAKE_JAVA_VERSION", 'openjdk version "17.0.1"')
    assert toolchain.find_toolchain().java_version == 17
    assert toolchain.tlc_available()


def test_where_reports_what_is_missing(clean_env, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(clean_env / "empty"))
    assert main(["tlc", "where"]) == 2
    out, err = capsys.readouterr()
    assert "jar      not found" in out and "java     not found" in out
    assert "TLC was not found" in err


def test_where_shows_the_toolchain(clean_env, monkeypatch, capsys):
    monkeypatch.setenv("JAVA_HOME", str(fake_java(clean_env / "jdk")))
    monkeypatch.setenv("TLA2TOOLS_JAR", str(fake_jar(clean_env / "t.jar")))
    assert main(["tlc", "where"]) == 0
    out = capsys.readouterr().out
    assert "from TLA2TOOLS_JAR" in out
    assert "Java 17" in out
    assert "2.19 of 08 August 2024" in out
    assert "trace.json, trace.tla" in out


# --------------------------------------------------------------------------- installing


@pytest.fixture
def server(tmp_path):
    """An HTTP server on the loopback interface serving files from a folder."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _release(url: str, jar: Path, **changes) -> Release:
    data = jar.read_bytes()
    fields = dict(version="9.9.9", url=url, sha256=hashlib.sha256(data).hexdigest(),
                  size=len(data))
    fields.update(changes)
    return Release(**fields)


def test_a_hash_mismatch_installs_nothing(server, clean_env):
    root, base = server
    jar = fake_jar(root / "tla2tools.jar")
    rel = _release(f"{base}/tla2tools.jar", jar, sha256="0" * 64)
    dest = clean_env / "cache" / "conform" / "tla2tools-9.9.9.jar"
    with pytest.raises(UserError, match="nothing was installed"):
        install(rel, dest=dest)
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []  # no partial download left behind


def test_a_matching_download_is_installed_once(server, clean_env):
    root, base = server
    jar = fake_jar(root / "tla2tools.jar")
    rel = _release(f"{base}/tla2tools.jar", jar)
    dest = clean_env / "cache" / "conform" / "tla2tools-9.9.9.jar"
    seen = []
    done = install(rel, dest=dest, progress=lambda n, size: seen.append((n, size)))
    assert done.fresh and done.path == dest
    assert dest.read_bytes() == jar.read_bytes()
    assert sha256_of(dest) == rel.sha256
    assert seen[-1] == (rel.size, rel.size)
    assert oct(dest.stat().st_mode & 0o777) == oct(0o644)
    again = install(rel, dest=dest)
    assert not again.fresh
    (root / "tla2tools.jar").unlink()  # --force downloads again: now it fails, jar stays
    with pytest.raises(UserError, match="HTTP 404"):
        install(rel, dest=dest, force=True)
    assert sha256_of(dest) == rel.sha256
    assert sorted(p.name for p in dest.parent.iterdir()) == [dest.name]


def test_a_download_that_is_not_tlc_is_refused(server, clean_env):
    root, base = server
    (root / "tla2tools.jar").write_bytes(b"<html>not a jar</html>")
    rel = _release(f"{base}/tla2tools.jar", root / "tla2tools.jar")
    dest = clean_env / "d" / "t.jar"
    with pytest.raises(UserError, match="not a TLC jar"):
        install(rel, dest=dest)
    assert list(dest.parent.iterdir()) == []


def test_a_changed_jar_in_the_cache_is_not_silently_kept(server, clean_env):
    root, base = server
    rel = _release(f"{base}/tla2tools.jar", fake_jar(root / "tla2tools.jar"))
    dest = clean_env / "t.jar"
    dest.write_bytes(b"something else")
    with pytest.raises(UserError, match="--force"):
        install(rel, dest=dest)
    assert install(rel, dest=dest, force=True).fresh


def test_unreachable_server(clean_env):
    rel = Release("9", "http://127.0.0.1:9/tla2tools.jar", "0" * 64, 10)
    with pytest.raises(UserError, match="downloading .* failed") as e:
        install(rel, dest=clean_env / "t.jar", timeout=5)
    assert "--from FILE" in e.value.hint
    assert not (clean_env / "t.jar").exists()


def test_cli_install_from_a_local_server_and_from_a_file(server, clean_env, monkeypatch,
                                                         capsys):
    root, base = server
    rel = _release(f"{base}/tla2tools.jar", fake_jar(root / "tla2tools.jar"))
    modules = _release(f"{base}/CommunityModules.jar", _modules_jar(root), name="CM",
                       member="SequencesExt.tla")
    monkeypatch.setattr(release, "PINNED", rel)
    monkeypatch.setattr(release, "COMMUNITY", modules)
    monkeypatch.setattr("conformance.tlc.install.PINNED", rel)
    assert main(["tlc", "install"]) == 0
    assert "installed" in capsys.readouterr().out
    installed = clean_env / "cache" / "conform" / "tla2tools-9.9.9.jar"
    assert installed.is_file()
    assert toolchain.find_jar() == (installed, "conform tlc install")
    # the modules are installed beside it, and TLC's class path has them
    assert (clean_env / "cache" / "conform" / "CM-9.9.9.jar").is_file()
    assert main(["tlc", "install"]) == 0
    assert "already installed" in capsys.readouterr().out
    wrong = clean_env / "downloaded.jar"
    wrong.write_bytes(b"not it")
    assert main(["tlc", "install", "--force", "--from", str(wrong)]) == 2
    assert "nothing was installed" in capsys.readouterr().err
    assert sha256_of(installed) == rel.sha256
    right = clean_env / "right.jar"
    right.write_bytes((root / "tla2tools.jar").read_bytes())
    assert main(["tlc", "install", "--force", "--from", str(right)]) == 0


def test_the_pinned_release_is_a_real_one():
    pinned = release.PINNED
    assert pinned.url == ("https://github.com/tlaplus/tlaplus/releases/download/"
                          f"v{pinned.version}/tla2tools.jar")
    assert len(pinned.sha256) == 64 and int(pinned.sha256, 16)
    assert os.path.basename(str(release.installed_jar())) == f"tla2tools-{pinned.version}.jar"


def _modules_jar(root: Path) -> Path:
    jar = root / "CommunityModules.jar"
    with zipfile.ZipFile(jar, "w") as z:
        z.writestr("SequencesExt.tla", "---- MODULE SequencesExt ----\n====\n")
    return jar


def test_community_modules_install_from_a_file_and_join_the_class_path(clean_env, monkeypatch,
                                                                        capsys):
    jar = _modules_jar(clean_env)
    modules = _release("http://127.0.0.1:9/CommunityModules.jar", jar, name="CM",
                       member="SequencesExt.tla")
    monkeypatch.setattr(release, "COMMUNITY", modules)
    monkeypatch.setattr("conformance.tlc.toolchain.COMMUNITY", modules)
    assert toolchain.extra_classpath() == ()
    assert main(["tlc", "install", "--from", str(jar)]) == 0  # told apart by its digest
    installed = clean_env / "cache" / "conform" / "CM-9.9.9.jar"
    assert installed.is_file() and "installed" in capsys.readouterr().out
    assert toolchain.extra_classpath() == (installed,)
    tools = toolchain.Toolchain(Path("java"), 17, clean_env / "tla2tools.jar", "x",
                                classpath=toolchain.extra_classpath())
    cp = tools.command()[tools.command().index("-cp") + 1]
    assert cp == os.pathsep.join([str(clean_env / "tla2tools.jar"), str(installed)])
    other = clean_env / "lib"
    other.mkdir()
    monkeypatch.setenv("TLC_CLASSPATH", str(other))
    assert toolchain.extra_classpath() == (other, installed)
    monkeypatch.setenv("TLC_CLASSPATH", str(clean_env / "missing"))
    with pytest.raises(UserError, match="TLC_CLASSPATH names"):
        toolchain.extra_classpath()
    not_modules = clean_env / "x.jar"
    with zipfile.ZipFile(not_modules, "w") as z:
        z.writestr("Other.tla", "")
    wrong = _release("http://127.0.0.1:9/CM.jar", not_modules, name="CM",
                     member="SequencesExt.tla")
    with pytest.raises(UserError, match="no SequencesExt.tla"):
        install(wrong, dest=clean_env / "y.jar", source=not_modules)


def test_the_pinned_community_modules_are_a_real_release():
    pinned = release.COMMUNITY
    assert pinned.url == ("https://github.com/tlaplus/CommunityModules/releases/download/"
                          f"{pinned.version}/CommunityModules.jar")
    assert len(pinned.sha256) == 64 and int(pinned.sha256, 16)
    assert release.installed_jar(pinned).name == f"CommunityModules-{pinned.version}.jar"
