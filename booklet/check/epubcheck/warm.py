"""EPUBCheck in a JVM that stays warm between checks, for ``booklet studio``.

A cold check costs a JVM start and EPUBCheck's set-up (2–4 s) before the EPUB is read;
``Launcher --warm`` (see ``java/Launcher.java``) pays that once and then checks each EPUB
path written to its standard input. One :class:`WarmChecker` owns one such JVM, started
on first use and restarted if it dies or hangs.
"""
from __future__ import annotations

import os
import queue
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from booklet.check.epubcheck import java as jv
from booklet.check.epubcheck.engine import JVM_OPTIONS
from booklet.check.epubcheck.messages import CHECKER_CRASHED, CHECKER_TIMEOUT, Message, message, read_report
from booklet.errors import EnvironmentProblem


class WarmChecker:
    """Check EPUBs one at a time in one long-lived JVM; thread-safe, one check at a time."""

    def __init__(self, timeout: float = 120.0):
        self.timeout = timeout
        self.work = Path(tempfile.mkdtemp(prefix="booklet-warm-"))
        self.lock = threading.Lock()
        self.proc: subprocess.Popen | None = None
        self.lines: queue.Queue = queue.Queue()
        self.sessions = self.count = 0

    def check(self, epub: Path) -> list[Message]:
        """EPUBCheck's messages for *epub* (a copy is checked: the original may be rebuilt meanwhile)."""
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                self._start()
            index, self.count = self.count, self.count + 1
            copy = self.out / f"{index}.epub"
            shutil.copyfile(epub, copy)
            self.proc.stdin.write(f"{copy}\n".encode("utf-8"))
            self.proc.stdin.flush()
            try:
                rc = self._wait(index)
            except (TimeoutError, EOFError) as exc:
                self._stop()
                ident = CHECKER_TIMEOUT if isinstance(exc, TimeoutError) else CHECKER_CRASHED
                return [message(ident, "FATAL", f"EPUBCheck {exc}", epub=epub)]
            messages = read_report(self.out / f"{index}.json", self.out / f"{index}.log", copy, None, rc)
            for name in (f"{index}.epub", f"{index}.json", f"{index}.log"):
                (self.out / name).unlink(missing_ok=True)
            return messages

    def _command(self) -> list[str]:
        java, jar = jv.find_java(), jv.epubcheck_jar()
        folder = jv.compiled_launcher(java, jar)
        if folder is not None:
            classpath = os.pathsep.join([str(jar), str(folder)])
            return [str(java), *JVM_OPTIONS, "-cp", classpath, "Launcher", "--warm", str(self.out)]
        if jv.find_javac(java) is None:
            raise EnvironmentProblem("the warm EPUBCheck needs a JDK (javac) once, to compile its launcher",
                                     hint="install one, e.g. apt-get install default-jdk-headless")
        return [str(java), *JVM_OPTIONS, "-cp", str(jar), str(jv.LAUNCHER_SOURCE), "--warm", str(self.out)]

    def _start(self) -> None:
        self.sessions += 1
        self.out = self.work / str(self.sessions)
        self.out.mkdir()
        self.count = 0
        self.lines = queue.Queue()
        self.proc = subprocess.Popen(self._command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        threading.Thread(target=_pump, args=(self.proc.stdout, self.lines), daemon=True).start()

    def _wait(self, index: int) -> int:
        """The exit code EPUBCheck gave EPUB number *index*; TimeoutError or EOFError if none comes."""
        while True:
            try:
                line = self.lines.get(timeout=self.timeout + (60 if index == 0 else 0))
            except queue.Empty:
                raise TimeoutError(f"took longer than {self.timeout:.0f} s") from None
            if line is None:
                raise EOFError("stopped (the JVM exited)")
            parts = line.split()
            if len(parts) == 4 and parts[0] == "BOOKLET-EPUBCHECK" and parts[1] == str(index):
                return int(parts[3])

    def _stop(self) -> None:
        if self.proc is not None:
            if self.proc.stdin:
                self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def close(self) -> None:
        """Stop the JVM and remove the work folder."""
        with self.lock:
            self._stop()
        shutil.rmtree(self.work, ignore_errors=True)


def _pump(stream, lines: queue.Queue) -> None:
    for raw in stream:
        lines.put(raw.decode("utf-8", "replace").strip())
    lines.put(None)
