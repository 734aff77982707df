"""``booklet validate``: EPUBCheck, booklet lint and (with --a11y) DAISY Ace over any EPUB files.

All EPUBs go through EPUBCheck in one JVM. Where a build of the very same file left a
source map (see ``booklet.check.sourcemap``), findings point at the Markdown lines.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from booklet.epubfile import EpubFile, NotAnEpub, UnsafeArchive
from booklet.errors import diagnostic_dict, display_path, format_text
from booklet.check.lint import ERROR, WARNING, Finding, finding, lint_epub
from booklet.check.sourcemap import find_source_map, map_findings

TOOLS = ("epubcheck", "lint", "ace")


def add_parser(sub) -> None:
    parser = sub.add_parser("validate", help="check EPUB files with EPUBCheck, booklet lint and DAISY Ace",
                            description="Check EPUB files, ours or not: EPUBCheck and booklet lint, "
                                        "and DAISY Ace with --a11y. Exit status 1 on any error.")
    parser.add_argument("epubs", nargs="+", type=Path, metavar="EPUB", help="EPUB files to check")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of lines")
    parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    parser.add_argument("--a11y", action="store_true",
                        help="also run DAISY Ace (npm @daisy/ace-cli with Chromium)")
    parser.set_defaults(run=run)


@dataclass
class Checked:
    """Everything found in one EPUB, and the seconds each tool spent on it."""

    epub: Path
    findings: list[Finding] = field(default_factory=list)
    seconds: dict[str, float | None] = field(default_factory=lambda: dict.fromkeys(TOOLS))

    @property
    def errors(self) -> int:
        return sum(f.severity == ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == WARNING for f in self.findings)


def run(args) -> int:
    if args.a11y:
        from booklet.check.ace import require_ace

        require_ace()            # say how to install Ace before spending time on EPUBCheck
    results = check(args.epubs, a11y=args.a11y)
    print(to_json(results) if args.json else "\n".join(report_lines(results)))
    failed = any(r.errors or args.strict and r.warnings for r in results)
    return 1 if failed else 0


def check(epubs: list[Path], a11y: bool = False) -> list[Checked]:
    """Run the tools over *epubs*; findings mapped to the source where a source map is found.

    A hostile archive (entries named ``../x`` or ``/etc/x``, a decompression bomb) is refused
    from its central directory alone: no tool opens it (docs/security.md).
    """
    results = [Checked(Path(e)) for e in epubs]
    safe = [r for r in results if not _archive_refused(r)]
    _epubcheck(safe)
    for result in safe:
        started = time.perf_counter()
        if result.epub.is_file():        # EPUBCheck has said a missing file is missing
            result.findings.extend(lint_epub(result.epub))
        result.seconds["lint"] = time.perf_counter() - started
    if a11y:
        from booklet.check.ace import run_ace

        for result, ace in zip(safe, run_ace([r.epub for r in safe])):
            result.findings.extend(ace.findings)
            result.seconds["ace"] = ace.seconds
    for result in safe:
        found = find_source_map(result.epub)
        if found:
            result.findings = map_findings(result.findings, found[1], found[0])
    return results


def _archive_refused(result: Checked) -> bool:
    """Note the archive problems of *result*'s EPUB as findings; tell whether there were any."""
    if not result.epub.is_file():
        return False
    started = time.perf_counter()
    try:
        EpubFile(result.epub).close()
    except UnsafeArchive as exc:
        result.findings.extend(finding("f-007" if p.kind == "name" else "f-008", ERROR, p.message,
                                       path=p.entry or None, container=str(result.epub))
                               for p in exc.problems)
        result.seconds["lint"] = time.perf_counter() - started
        return True
    except NotAnEpub:
        pass                 # not a zip at all: EPUBCheck and the lint say so in their words
    return False


def _epubcheck(results: list[Checked]) -> None:
    from booklet.check.epubcheck import run_epubcheck

    run = run_epubcheck([r.epub for r in results])
    startup = getattr(run, "startup_seconds", 0.0) / max(1, len(results))
    for result, check in zip(results, run):
        result.seconds["epubcheck"] = check.seconds + startup
        result.findings.extend(m for m in check.messages if m.is_error or m.is_warning)


def report_lines(results: list[Checked]) -> list[str]:
    """One line per finding, then a summary line, for each EPUB."""
    lines = []
    for result in results:
        lines.extend(format_text(f) for f in result.findings)
        lines.append(summary(result))
    return lines


def summary(result: Checked) -> str:
    """``dist/x.epub: valid, 0 errors, 2 warnings (EPUBCheck 1.9 s, lint 0.1 s, Ace 5.0 s)``."""
    verdict = "invalid" if result.errors else "valid"
    counts = f"{_plural(result.errors, 'error')}, {_plural(result.warnings, 'warning')}"
    names = {"epubcheck": "EPUBCheck", "lint": "lint", "ace": "Ace"}
    times = ", ".join(f"{names[t]} {s:.1f} s" for t, s in result.seconds.items() if s is not None)
    return f"{display_path(result.epub)}: {verdict}, {counts} ({times})"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def to_json(results: list[Checked]) -> str:
    """All results as one JSON document, keys in a fixed order."""
    items = [{"epub": str(r.epub), "valid": not r.errors, "errors": r.errors, "warnings": r.warnings,
              "seconds": {t: None if s is None else round(s, 3) for t, s in r.seconds.items()},
              "messages": [diagnostic_dict(f) for f in r.findings]} for r in results]
    return json.dumps({"errors": sum(i["errors"] for i in items), "warnings": sum(i["warnings"] for i in items),
                       "results": items}, indent=2, ensure_ascii=False)
