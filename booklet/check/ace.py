"""DAISY Ace, the accessibility checker for EPUB: find it, run it once per EPUB, read its report.json.

Ace is an npm package (``@daisy/ace-cli``, pinned in package.json) driving Chromium through
Puppeteer; Puppeteer's own browser download cannot work here, so it is installed with
``PUPPETEER_SKIP_DOWNLOAD=1`` and pointed at the system Chromium with
``PUPPETEER_EXECUTABLE_PATH``. Each violation becomes a ``Finding`` coded ``ace:<rule>``,
placed at its file and, through the CFI Ace gives, its line.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from booklet.errors import EnvironmentProblem
from booklet.check.lint.epub import Epub, NotAnEpub
from booklet.check.lint.model import ERROR, Finding, finding
from booklet.publish.preview import chromium_on_path

INSTALL = "PUPPETEER_SKIP_DOWNLOAD=1 npm install @daisy/ace-cli"


@dataclass
class AceResult:
    """Ace's verdict on one EPUB: its violations and how long it took."""

    epub: Path
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0


def find_ace(env: dict[str, str] | None = None, near=()) -> Path | None:
    """Ace's command: the first ``node_modules/.bin`` found walking up from each folder of
    *near* (the EPUBs' folders) and then from the current folder, as Node itself looks for
    packages; else PATH.  Never beside booklet's own code: installed, that is site-packages."""
    env = os.environ if env is None else env
    starts = [Path(f).absolute() for f in near] + [Path.cwd()]
    for start in dict.fromkeys(starts):
        for folder in (start, *start.parents):
            for name in ("ace", "ace-cli"):       # ace-cli 1.4 links its command as ace-cli
                candidate = folder / "node_modules" / ".bin" / name
                if os.access(candidate, os.X_OK):
                    return candidate
    for name in ("ace", "ace-cli"):
        found = shutil.which(name, path=env.get("PATH"))
        if found:
            return Path(found)
    return None


def find_chromium(env: dict[str, str] | None = None) -> Path | None:
    """The browser Puppeteer is to drive: ``PUPPETEER_EXECUTABLE_PATH``, else Chromium on the system."""
    env = os.environ if env is None else env
    given = env.get("PUPPETEER_EXECUTABLE_PATH")
    if given:
        return Path(given) if os.access(given, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return Path("/usr/bin/chromium")
    found = chromium_on_path(env.get("PATH"))
    return Path(found) if found else None


def require_ace(env: dict[str, str] | None = None, near=()) -> tuple[Path, Path]:
    """(Ace, Chromium), or EnvironmentProblem saying how to install what is missing."""
    env = os.environ if env is None else env
    ace = find_ace(env, near)
    if ace is None:
        raise EnvironmentProblem("DAISY Ace is not installed", hint=f"install it with `{INSTALL}`; in the "
                                 "repository `PUPPETEER_SKIP_DOWNLOAD=1 npm install` gets the version "
                                 "package.json pins")
    if shutil.which("node", path=env.get("PATH")) is None:
        raise EnvironmentProblem("Node.js is not installed; DAISY Ace needs it", hint="apt-get install -y nodejs")
    browser = find_chromium(env)
    if browser is None:
        where = env.get("PUPPETEER_EXECUTABLE_PATH")
        raise EnvironmentProblem(f"Chromium not found{f' at {where}' if where else ''}; DAISY Ace needs it",
                                 hint="apt-get install -y chromium, or set PUPPETEER_EXECUTABLE_PATH")
    return ace, browser


def run_ace(epubs, *, env: dict[str, str] | None = None, timeout: float = 600.0) -> list[AceResult]:
    """Run Ace once over each EPUB, in order; a failed run is a finding, not an exception."""
    env = dict(os.environ if env is None else env)
    epubs = [Path(e) for e in epubs]
    ace, browser = require_ace(env, near=[e.parent for e in epubs])
    env["PUPPETEER_EXECUTABLE_PATH"] = str(browser)
    env.setdefault("PUPPETEER_SKIP_DOWNLOAD", "1")
    results = []
    with tempfile.TemporaryDirectory(prefix="booklet-ace-") as work:
        for index, epub in enumerate(epubs):
            started = time.perf_counter()
            findings = _run_one(ace, epub, Path(work) / str(index), env, timeout)
            results.append(AceResult(epub, findings, time.perf_counter() - started))
    return results


def _run_one(ace: Path, epub: Path, work: Path, env: dict[str, str], timeout: float) -> list[Finding]:
    if not epub.is_file():
        return [finding("ace:missing", ERROR, "the EPUB file could not be found", tool="ace", container=str(epub))]
    out, temp = work / "report", work / "tmp"
    temp.mkdir(parents=True)
    command = [str(ace), "--silent", "--force", "--outdir", str(out), "--tempdir", str(temp), str(epub.absolute())]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return [finding("ace:timeout", ERROR, f"Ace did not finish in {timeout:.0f} s", tool="ace",
                        container=str(epub))]
    report = out / "report.json"
    if not report.is_file():
        tail = " | ".join(line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip())[-600:]
        return [finding("ace:failed", ERROR, f"Ace failed (exit status {done.returncode}): {tail or 'no output'}",
                        tool="ace", container=str(epub))]
    return parse_report(json.loads(report.read_text(encoding="utf-8")), epub)


def parse_report(report: dict, epub: Path | None = None) -> list[Finding]:
    """One finding per violation and place in Ace's report.json; lines found through the CFI."""
    try:
        book = Epub(epub) if epub is not None else None
    except NotAnEpub:
        book = None
    findings = []
    for subject in report.get("assertions") or []:
        path = _zip_path(book, (subject.get("earl:testSubject") or {}).get("url", ""))
        for assertion in subject.get("assertions") or []:
            if (assertion.get("earl:result") or {}).get("earl:outcome") != "fail":
                continue
            findings.extend(_findings(assertion, path, book, None if epub is None else str(epub)))
    return findings


def _findings(assertion: dict, path: str | None, book: Epub | None, container: str | None) -> list[Finding]:
    test, result = assertion.get("earl:test") or {}, assertion.get("earl:result") or {}
    code = f"ace:{test.get('dct:title') or 'unknown'}"
    lines = str(result.get("dct:description") or "").splitlines()
    detail = "; ".join(line.strip() for line in lines if line.strip())
    message = f"{test.get('dct:description') or 'Ace rule failed'}: {detail}" if detail else \
        str(test.get("dct:description") or "Ace rule failed")
    if test.get("earl:impact"):
        message += f" ({test['earl:impact']})"
    html = " ".join(str(result.get("html") or "").split())
    if html:
        message += f" at {html if len(html) <= 80 else html[:79] + '…'}"
    cfis = ((result.get("earl:pointer") or {}).get("cfi")) or [None]
    return [finding(code, ERROR, message, path, _cfi_line(book, path, cfi), tool="ace",
                    container=container) for cfi in cfis]


def _zip_path(book: Epub | None, url: str) -> str | None:
    """Ace names files from the zip's root (``EPUB/content.opf``) or the package's folder (``cover.xhtml``)."""
    url = url.lstrip("/")
    if not url:
        return None
    if book is None or url in book.files:
        return url
    joined = book.resolve(book.opf_path, url)
    return joined if joined in book.files else url


def _cfi_line(book: Epub | None, path: str | None, cfi: str | None) -> int | None:
    """The line of the element an in-document CFI such as ``/4/2/32/2`` points at."""
    root = book.parsed(path).root if book is not None and path in book.files else None
    if root is None or not cfi:
        return None
    node = root
    for step in cfi.strip("/").split("/"):
        digits = step.split("[", 1)[0].split(":", 1)[0]
        if not digits.isdigit() or int(digits) % 2:
            break                      # an odd step is a text position inside the element reached
        children = [child for child in node if isinstance(child.tag, str)]
        if int(digits) // 2 > len(children):
            return None
        node = children[int(digits) // 2 - 1]
    return node.sourceline
