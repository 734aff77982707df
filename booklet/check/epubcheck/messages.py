"""What EPUBCheck found: one ``Message`` per location, one ``CheckResult`` per EPUB.

Also turns EPUBCheck's JSON report (``--json``, written by
``com.adobe.epubcheck.reporting.CheckingReport``) into messages.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from booklet.errors import ERROR, INFO, WARNING, Diagnostic

SEVERITIES = ("FATAL", "ERROR", "WARNING", "USAGE", "INFO")

# Ids of the messages booklet makes itself, when EPUBCheck could not say anything.
# PKG-018 is EPUBCheck's own id for a missing EPUB (the CLI only prints it to stderr).
MISSING_FILE = "PKG-018"
CHECKER_CRASHED = "BKL-001"   # EPUBCheck threw, or its JVM died, while checking this EPUB
CHECKER_TIMEOUT = "BKL-002"   # EPUBCheck did not finish this EPUB in time
NO_REPORT = "BKL-003"         # EPUBCheck finished but wrote no (readable) JSON report


#: EPUBCheck's severities as booklet's: FATAL and ERROR fail, WARNING warns, the rest inform.
SEVERITY = {"FATAL": ERROR, "ERROR": ERROR, "WARNING": WARNING, "USAGE": INFO, "INFO": INFO}

#: One EPUBCheck finding at one place: a diagnostic with ``tool`` "epubcheck" and the
#: message id (``RSC-005``) as its code; ``path`` is the file inside the EPUB.
Message = Diagnostic


def message(code: str, severity: str, text: str, path: str | None = None, line: int | None = None,
            col: int | None = None, suggestion: str | None = None, epub=None) -> Diagnostic:
    """A diagnostic from EPUBCheck's parts (*severity* as EPUBCheck spells it)."""
    return Diagnostic(text, path, line, col, suggestion, code, SEVERITY.get(severity.upper(), ERROR),
                      "epubcheck", None if epub is None else str(epub))


@dataclass
class CheckResult:
    """EPUBCheck's verdict on one EPUB, and how long that EPUB took.

    ``seconds`` is the time spent checking this EPUB inside the JVM; the first EPUB
    of a run also carries EPUBCheck's one-time set-up (loading schemas), about 2 s.
    """

    epub: Path
    messages: list[Message] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def errors(self) -> list[Message]:
        """FATAL and ERROR messages."""
        return [m for m in self.messages if m.is_error]

    @property
    def warnings(self) -> list[Message]:
        """WARNING messages (USAGE and INFO are left out)."""
        return [m for m in self.messages if m.is_warning]

    @property
    def valid(self) -> bool:
        return not self.errors


class CheckRun(list):
    """The ``list[CheckResult]`` that ``run_epubcheck`` returns, in input order, plus timings.

    ``seconds``: wall time of the whole call; ``startup_seconds``: the part spent
    outside the per-EPUB checks (starting the JVM, compiling the launcher);
    ``strategy``: which way of running EPUBCheck did the work (``launcher``,
    ``source`` or ``cli``; several joined by ``+`` after a fallback).
    """

    seconds: float = 0.0
    startup_seconds: float = 0.0
    strategy: str = ""


def parse_report(text: str, epub: Path, alias: Path | None = None) -> list[Message]:
    """Messages of one EPUBCheck JSON report, one per location, in report order.

    Locations that name the EPUB file itself (``./book.epub``) get ``path=None``;
    *alias* is another name EPUBCheck may have been given for the same file.
    """
    data = json.loads(text)
    own_names = {epub.name, str(epub)}
    if alias is not None:
        own_names |= {alias.name, str(alias)}
    messages: list[Message] = []
    for item in data.get("messages") or []:
        ident = str(item.get("ID") or "UNKNOWN")
        severity = str(item.get("severity") or "ERROR").upper()
        text_ = str(item.get("message") or "").strip()
        suggestion = item.get("suggestion") or None
        locations = item.get("locations") or [{}]
        for loc in locations:
            messages.append(message(
                ident, severity, text_, _inner_path(loc.get("path"), own_names),
                _positive(loc.get("line")), _positive(loc.get("column")),
                str(suggestion).strip() if suggestion else None, epub))
    return messages


def _inner_path(path, own_names: set[str]) -> str | None:
    if not path:
        return None
    text = str(path)
    bare = text[2:] if text.startswith("./") else text
    if text in own_names or bare in own_names:
        return None
    return text


def _positive(value) -> int | None:
    return value if isinstance(value, int) and value > 0 else None


def read_report(json_path: Path, log_path: Path | None, epub: Path, alias: Path | None,
                rc: int) -> list[Message]:
    """Messages for one EPUB from the files the launcher left, never raising.

    No report (or one that is not JSON) becomes a single FATAL message quoting the
    end of what EPUBCheck printed.
    """
    log = _tail(log_path)
    try:
        text = json_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = None
    if text:
        try:
            return parse_report(text, epub, alias)
        except (ValueError, AttributeError, TypeError):
            pass
    if rc == -1:
        return [message(CHECKER_CRASHED, "FATAL", _join("EPUBCheck failed on this file", log), epub=epub)]
    return [message(NO_REPORT, "FATAL", _join("EPUBCheck wrote no report for this file", log), epub=epub)]


def _tail(path: Path | None, limit: int = 600) -> str:
    if path is None:
        return ""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    lines = [line for line in text.splitlines() if line.strip()
             and line.strip() != "Check finished with errors"]
    text = " | ".join(line.strip() for line in lines)
    return text if len(text) <= limit else "…" + text[-limit:]


def _join(message: str, detail: str) -> str:
    return f"{message}: {detail}" if detail else message
