"""EPUBCheck for booklet: many EPUBs in one JVM start, findings mapped back to Markdown.

Public API (also importable from ``booklet.check.epubcheck``)::

    run_epubcheck(epubs, *, java=None, strategy=None, timeout=300.0, jvm_options=None,
                  env=None, progress=None) -> CheckRun   # a list[CheckResult]
    map_to_source(result, sourcemap) -> list[Message]   # Message is booklet.errors.Diagnostic
    find_java(java=None, env=None) -> Path               # raises EnvironmentProblem
"""
from booklet.check.epubcheck.engine import JVM_OPTIONS, STRATEGIES, run_epubcheck
from booklet.check.epubcheck.java import epubcheck_jar, find_java
from booklet.check.epubcheck.messages import (CHECKER_CRASHED, CHECKER_TIMEOUT, MISSING_FILE, NO_REPORT,
                                              SEVERITIES, CheckResult, CheckRun, Message, message, parse_report)
from booklet.check.epubcheck.report import map_to_source, source_line

__all__ = [
    "CHECKER_CRASHED", "CHECKER_TIMEOUT", "JVM_OPTIONS", "MISSING_FILE", "NO_REPORT", "SEVERITIES",
    "STRATEGIES", "CheckResult", "CheckRun", "Message", "epubcheck_jar", "find_java",
    "map_to_source", "message", "parse_report", "run_epubcheck", "source_line",
]
