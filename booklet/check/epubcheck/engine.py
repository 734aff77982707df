"""Run EPUBCheck over many EPUBs with one JVM start.

Strategies, tried in this order until every EPUB has a result:

``launcher``  ``java -cp epubcheck.jar:<cache> Launcher`` with the launcher compiled
              once by ``javac`` and cached (needs a JDK the first time).
``source``    ``java -cp epubcheck.jar Launcher.java``: single-file source launch
              (needs the ``jdk.compiler`` module, i.e. a JDK, on every run).
``cli``       one ``java -jar epubcheck.jar --json`` per EPUB: always works, slow.

The first two print one progress line per EPUB (see ``booklet/java/Launcher.java``).
A strategy that dies before its first EPUB is taken as unavailable and the next is
tried; one that dies (or times out) later marks the EPUB it was on and is restarted
for the rest. ``BOOKLET_EPUBCHECK_STRATEGY=cli`` (a comma-separated list) overrides
the order, as does ``strategy=``.
"""
from __future__ import annotations

import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable

from booklet.errors import EnvironmentProblem
from booklet.check.epubcheck import java as jv
from booklet.check.epubcheck.messages import (CHECKER_CRASHED, CHECKER_TIMEOUT, MISSING_FILE, CheckResult,
                                         CheckRun, Message, message, read_report)

STRATEGIES = ("launcher", "source", "cli")
# C1 only and the serial collector start EPUBCheck ~0.8 s sooner; small EPUBs never need C2.
JVM_OPTIONS = ("-XX:+IgnoreUnrecognizedVMOptions", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
               "-Djava.awt.headless=true", "-Duser.language=en", "-Duser.country=US",
               "-Dfile.encoding=UTF-8")
STARTUP_ALLOWANCE = 120.0   # seconds added to the first EPUB's time limit for the JVM start


class _Job:
    """Shared state of one ``run_epubcheck`` call."""

    def __init__(self, epubs: list[Path], work: Path, java: Path, jar: Path, options: list[str],
                 timeout: float, env: dict[str, str] | None,
                 progress: Callable[[CheckResult], None] | None):
        self.epubs, self.work, self.java, self.jar = epubs, work, java, jar
        self.options, self.timeout, self.progress = options, timeout, progress
        self.env = None if env is None else {**os.environ, **env}   # for the child processes
        self.results: list[CheckResult | None] = [None] * len(epubs)
        self.inputs: dict[int, Path] = {}
        self.used: list[str] = []
        self.sessions = 0

    def done(self, index: int, messages: list[Message], seconds: float, strategy: str) -> None:
        # Every place is in the EPUB as the caller named it.
        messages = [replace(m, container=str(self.epubs[index])) for m in messages]
        self.results[index] = CheckResult(self.epubs[index], messages, seconds)
        if strategy not in self.used:
            self.used.append(strategy)
        if self.progress is not None:
            self.progress(self.results[index])

    def input_path(self, index: int) -> Path:
        """The path EPUBCheck is given: the EPUB, or an ``.epub``-named ASCII link to it."""
        if index not in self.inputs:
            epub = self.epubs[index].absolute()
            if epub.suffix.lower() == ".epub" and str(epub).isascii():
                self.inputs[index] = epub
            else:   # the CLI wants ".epub", and a JVM in the C locale cannot open non-ASCII names
                self.inputs[index] = _alias(epub, self.work / "in" / f"{index}.epub")
        return self.inputs[index]


def run_epubcheck(epubs: Iterable[Path | str], *, java: str | os.PathLike | None = None,
                  strategy: str | None = None, timeout: float = 300.0,
                  jvm_options: Iterable[str] | None = None, env: dict[str, str] | None = None,
                  progress: Callable[[CheckResult], None] | None = None) -> CheckRun:
    """Validate *epubs* with EPUBCheck in one JVM start; one ``CheckResult`` each, in order.

    *java* overrides the lookup (``$JAVA_HOME``, then ``PATH``, both read from *env*,
    default ``os.environ``); *timeout* is the limit per EPUB in seconds; *progress* is
    called with each result as it arrives. A missing file gets a FATAL PKG-018 message,
    a file that is not an EPUB whatever EPUBCheck says (PKG-003/PKG-008): never a traceback.
    Raises ``EnvironmentProblem`` when there is no Java 11+ or no EPUBCheck jar.
    """
    started = time.perf_counter()
    paths = [Path(e) for e in epubs]
    run = CheckRun()
    if not paths:
        return run
    chain = _chain(strategy, env)
    java_path = jv.find_java(java, env)
    jar = jv.epubcheck_jar()
    options = list(JVM_OPTIONS if jvm_options is None else jvm_options)
    with tempfile.TemporaryDirectory(prefix="booklet-epubcheck-") as work:
        job = _Job(paths, Path(work), java_path, jar, options, timeout, env, progress)
        todo = []
        for index, epub in enumerate(paths):
            if epub.is_file():
                todo.append(index)
            else:
                text = ("The EPUB file could not be found: it is a folder, not a file."
                        if epub.exists() else "The EPUB file could not be found.")
                job.done(index, [message(MISSING_FILE, "FATAL", text)], 0.0, "none")
        for name in chain:
            if not todo:
                break
            todo = _RUNNERS[name](job, todo)
        for index in todo:   # only when a forced strategy could not run at all
            job.done(index, [message(CHECKER_CRASHED, "FATAL",
                                     f"EPUBCheck could not be run ({'+'.join(chain)})")], 0.0, "none")
    run.extend(job.results)
    run.seconds = time.perf_counter() - started
    run.startup_seconds = max(0.0, run.seconds - sum(r.seconds for r in run))
    run.strategy = "+".join(s for s in job.used if s != "none") or "none"
    return run


def _chain(strategy: str | None, env: dict[str, str] | None) -> list[str]:
    text = strategy or (os.environ if env is None else env).get("BOOKLET_EPUBCHECK_STRATEGY", "")
    names = [n.strip() for n in text.split(",") if n.strip()] or list(STRATEGIES)
    unknown = [n for n in names if n not in STRATEGIES]
    if unknown:
        raise EnvironmentProblem(f"unknown EPUBCheck strategy {unknown[0]!r}",
                                 hint="choose from " + ", ".join(STRATEGIES))
    return names


def _alias(target: Path, link: Path) -> Path:
    link.parent.mkdir(parents=True, exist_ok=True)
    for make in (os.symlink, os.link, shutil.copyfile):
        try:
            make(target, link)
            return link
        except OSError:
            continue
    return target


# --- the launcher protocol -------------------------------------------------------------

def _launcher(job: _Job, todo: list[int]) -> list[int]:
    folder = jv.compiled_launcher(job.java, job.jar, job.env)
    if folder is None:
        return todo
    cp = os.pathsep.join([str(job.jar), str(folder)])
    return _sessions(job, todo, "launcher",
                     lambda out: [str(job.java), *job.options, "-cp", cp, "Launcher", str(out)])


def _source(job: _Job, todo: list[int]) -> list[int]:
    return _sessions(job, todo, "source",
                     lambda out: [str(job.java), *job.options, "-cp", str(job.jar),
                                  str(jv.LAUNCHER_SOURCE), str(out)])


def _sessions(job: _Job, todo: list[int], name: str, command: Callable[[Path], list[str]]) -> list[int]:
    """Run sessions of one strategy until all of *todo* is done or it proves unavailable."""
    while todo:
        finished, stuck, err = _session(job, todo, name, command)
        if not finished and stuck is None:
            return todo                      # never got going: let the next strategy try
        todo = [i for i in todo if i not in finished]
        if stuck is not None:                # died or hung on this one: mark it, go on
            todo.remove(stuck)
            ident, what = err
            job.done(stuck, [message(ident, "FATAL", what)], 0.0, name)
    return todo


def _session(job: _Job, todo: list[int], name: str, command: Callable[[Path], list[str]]):
    """One JVM over *todo*: (indexes finished, index it died or hung on or None, (id, text))."""
    job.sessions += 1
    out = job.work / f"{name}-{job.sessions}"
    out.mkdir(parents=True)
    (out / "list.txt").write_text("".join(f"{job.input_path(i)}\n" for i in todo), encoding="utf-8")
    stderr_path = out / "stderr.txt"
    finished: set[int] = set()
    with open(stderr_path, "wb") as stderr:
        try:
            proc = subprocess.Popen(command(out), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=stderr, env=job.env)
        except OSError:
            return finished, None, None
        lines: queue.Queue = queue.Queue()
        reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
        reader.start()
        ended, timed_out = _follow(job, todo, name, out, lines, finished)
        if not ended:
            proc.kill()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        reader.join(timeout=5)
    if ended or len(finished) == len(todo):
        return finished, None, None
    if not finished and not timed_out:
        return finished, None, None          # unavailable (e.g. no jdk.compiler), or died at once
    stuck = next(i for i in todo if i not in finished)
    if timed_out:
        return finished, stuck, (CHECKER_TIMEOUT, f"EPUBCheck did not finish this file within "
                                                  f"{job.timeout:.0f} s")
    detail = _tail(stderr_path)
    return finished, stuck, (CHECKER_CRASHED, "EPUBCheck's JVM died checking this file"
                             + (f": {detail}" if detail else f" (exit code {proc.returncode})"))


def _follow(job: _Job, todo: list[int], name: str, out: Path, lines: queue.Queue,
            finished: set[int]) -> tuple[bool, bool]:
    """Read the launcher's progress lines, taking each EPUB's report as it is announced;
    return (whether it said it ended, whether it went silent for too long)."""
    limit = job.timeout + STARTUP_ALLOWANCE
    while True:
        try:
            line = lines.get(timeout=limit)
        except queue.Empty:
            return False, True
        if line is None:
            return False, False
        parts = line.split()
        if parts[:1] == ["BOOKLET-EPUBCHECK-END"]:
            return True, False
        if len(parts) == 4 and parts[0] == "BOOKLET-EPUBCHECK":
            k, nanos, rc = int(parts[1]), int(parts[2]), int(parts[3])
            index = todo[k]
            messages = read_report(out / f"{k}.json", out / f"{k}.log", job.epubs[index],
                                   job.input_path(index), rc)
            job.done(index, messages, nanos / 1e9, name)
            finished.add(index)
            limit = job.timeout


def _pump(stream, lines: queue.Queue) -> None:
    try:
        for raw in stream:
            lines.put(raw.decode("utf-8", "replace").strip())
    except (OSError, ValueError):
        pass
    finally:
        lines.put(None)


def _tail(path: Path, limit: int = 400) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    text = " | ".join(line.strip() for line in text.splitlines() if line.strip())
    return text if len(text) <= limit else "…" + text[-limit:]


# --- one JVM per EPUB -------------------------------------------------------------------

def _cli(job: _Job, todo: list[int]) -> list[int]:
    out = job.work / "cli"
    out.mkdir(parents=True, exist_ok=True)
    for index in todo:
        report, log = out / f"{index}.json", out / f"{index}.log"
        command = [str(job.java), *job.options, "-jar", str(job.jar), str(job.input_path(index)),
                   "--json", str(report), "-q"]
        started = time.perf_counter()
        try:
            with open(log, "wb") as sink:
                rc = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink,
                                    timeout=job.timeout + STARTUP_ALLOWANCE, env=job.env).returncode
        except subprocess.TimeoutExpired:
            job.done(index, [message(CHECKER_TIMEOUT, "FATAL", f"EPUBCheck did not finish this "
                                     f"file within {job.timeout:.0f} s")], time.perf_counter() - started,
                     "cli")
            continue
        except OSError as exc:
            job.done(index, [message(CHECKER_CRASHED, "FATAL", f"EPUBCheck could not be run: {exc}")],
                     0.0, "cli")
            continue
        messages = read_report(report, log, job.epubs[index], job.input_path(index),
                               -1 if rc not in (0, 1) else rc)
        job.done(index, messages, time.perf_counter() - started, "cli")
    return []


_RUNNERS = {"launcher": _launcher, "source": _source, "cli": _cli}
