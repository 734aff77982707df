"""What the lint finds, the rule registry, and how findings are shown."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, NamedTuple

from booklet.errors import display_path

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
    """One problem at one place.

    ``path`` is the file inside the EPUB (``EPUB/chapter-01.xhtml``), or None for a
    source rule or the EPUB as a whole; ``line``/``col`` are 1-based. ``source_path``
    and ``source_line`` point at the booklet's own files (Markdown, TOML) when known.
    ``tool`` says who found it: ``lint``, ``epubcheck`` or ``ace``.
    """

    code: str
    severity: str
    message: str
    path: str | None = None
    line: int | None = None
    col: int | None = None
    source_path: str | None = None
    source_line: int | None = None
    tool: str = "lint"

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


class Hit(NamedTuple):
    """What a rule yields; the registry adds the rule's code and severity."""

    path: str | None
    line: int | None
    message: str
    col: int | None = None
    source_path: str | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    summary: str
    check: Callable = field(compare=False)
    source: bool = False          # needs the booklet's sources, not only the EPUB

    def run(self, subject) -> list[Finding]:
        return [self._finding(hit) for hit in self.check(subject)]

    def _finding(self, hit: Hit) -> Finding:
        if hit.source_path:          # a source rule: its line is the source file's
            return Finding(self.code, self.severity, hit.message, source_path=hit.source_path,
                           source_line=hit.line)
        return Finding(self.code, self.severity, hit.message, hit.path, hit.line, hit.col)


RULES: dict[str, Rule] = {}


def rule(code: str, severity: str, summary: str, *, source: bool = False):
    """Register a check under a stable *code*; *summary* is its one-line description."""
    def register(check: Callable[..., Iterable[Hit]]):
        if code in RULES:
            raise ValueError(f"lint rule {code} is defined twice")
        RULES[code] = Rule(code, severity, summary, check, source)
        return check
    return register


def where(finding: Finding, epub: str | None = None) -> str:
    """``<path>[:<line>[:<col>]]``: the source file when mapped, else ``<epub>!<path inside>``."""
    if finding.source_path:
        text = display_path(finding.source_path)
        return text if finding.source_line is None else f"{text}:{finding.source_line}"
    container = display_path(epub) if epub else None
    text = f"{container}!{finding.path}" if container and finding.path else (finding.path or container or "")
    if text and finding.line is not None:
        text += f":{finding.line}"
        if finding.col is not None:
            text += f":{finding.col}"
    return text


def format_finding(finding: Finding, epub: str | None = None) -> str:
    """``error: <where>: <message> [<code>]``."""
    place = where(finding, epub)
    text = f"{finding.severity}: {place}: {finding.message}" if place else f"{finding.severity}: {finding.message}"
    return f"{text} [{finding.code}]"


def finding_dict(finding: Finding) -> dict:
    """A finding as JSON wants it, keys in a fixed order."""
    return {"tool": finding.tool, "code": finding.code, "severity": finding.severity,
            "message": finding.message, "path": finding.path, "line": finding.line, "col": finding.col,
            "source_path": finding.source_path, "source_line": finding.source_line}


def sort_key(finding: Finding) -> tuple:
    """EPUB findings by file and line first, then source findings by source file and line."""
    if finding.path is None and finding.source_path:
        return (1, finding.source_path, finding.source_line or 0, 0, finding.code, finding.message)
    return (0, finding.path or "", finding.line or 0, finding.col or 0, finding.code, finding.message)
