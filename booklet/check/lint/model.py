"""What the lint finds (diagnostics) and the rule registry."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, NamedTuple

from booklet.errors import Diagnostic

ERROR, WARNING = "error", "warning"


#: What the lint finds: a diagnostic with ``tool`` "lint" (or "ace", "epubcheck").
Finding = Diagnostic


def finding(code: str, severity: str, message: str, path: str | None = None, line: int | None = None,
            col: int | None = None, tool: str = "lint", container: str | None = None) -> Diagnostic:
    """A checker's diagnostic: *path* is a file inside the EPUB *container*."""
    return Diagnostic(message, path, line, col, code=code, severity=severity, tool=tool, container=container)


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

    def run(self, subject, container: str | None = None) -> list[Finding]:
        return [self._finding(hit, container) for hit in self.check(subject)]

    def _finding(self, hit: Hit, container: str | None) -> Finding:
        if hit.source_path:          # a source rule: a file on disk, its line the source file's
            return finding(self.code, self.severity, hit.message, hit.source_path, hit.line)
        return finding(self.code, self.severity, hit.message, hit.path, hit.line, hit.col, container=container)


RULES: dict[str, Rule] = {}


def rule(code: str, severity: str, summary: str, *, source: bool = False):
    """Register a check under a stable *code*; *summary* is its one-line description."""
    def register(check: Callable[..., Iterable[Hit]]):
        if code in RULES:
            raise ValueError(f"lint rule {code} is defined twice")
        RULES[code] = Rule(code, severity, summary, check, source)
        return check
    return register


def sort_key(found: Finding) -> tuple:
    """EPUB findings by file and line first, then source findings by source file and line."""
    return (int(found.container is None), str(found.path or ""), found.line or 0, found.col or 0, found.code, found.message)
