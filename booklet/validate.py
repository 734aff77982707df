"""EPUBCheck validation: the public names of ``booklet.validation``, where the code lives."""
from booklet.validation import (CHECKER_CRASHED, CHECKER_TIMEOUT, JVM_OPTIONS, MISSING_FILE, NO_REPORT,
                                SEVERITIES, STRATEGIES, CheckResult, CheckRun, Message, epubcheck_jar,
                                find_java, format_message, format_result, map_to_source, parse_report,
                                run_epubcheck, source_line, to_json)

__all__ = [
    "CHECKER_CRASHED", "CHECKER_TIMEOUT", "JVM_OPTIONS", "MISSING_FILE", "NO_REPORT", "SEVERITIES",
    "STRATEGIES", "CheckResult", "CheckRun", "Message", "epubcheck_jar", "find_java",
    "format_message", "format_result", "map_to_source", "parse_report", "run_epubcheck",
    "source_line", "to_json",
]
