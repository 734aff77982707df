"""Load and validate booklet.toml and glossary.toml, once, with errors naming file, line and key."""
from __future__ import annotations

import datetime
import difflib
import math
import re
import tomllib
import uuid
from pathlib import Path
from typing import Any

from booklet.errors import ConfigError, Report
from booklet.model import GlossaryTerm, Metadata

# Python-Markdown and the EPUB both need a real language tag; this is BCP 47's shape
# (language, then script/region/variant subtags), which catches typos like "english" or "en_US".
# Only ISO 639 primary subtags (2-3 letters): the 4-8 letter form is reserved and unused.
_BCP47 = re.compile(r"^(?:[a-z]{2,3}(?:-[a-z]{3}){0,3})"
                    r"(?:-[a-z]{4})?(?:-(?:[a-z]{2}|\d{3}))?"
                    r"(?:-(?:[a-z\d]{5,8}|\d[a-z\d]{3}))*"
                    r"(?:-[a-wyz\d](?:-[a-z\d]{2,8})+)*(?:-x(?:-[a-z\d]{1,8})+)?$", re.IGNORECASE)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TOML_LINE = re.compile(r"line (\d+), column (\d+)")
# Characters XML 1.0 cannot hold at all, not even escaped.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

# key: (python types accepted, required, description used in messages)
SCHEMA: dict[str, tuple[tuple[type, ...], bool, str]] = {
    "title": ((str,), True, "a string"),
    "author": ((str,), True, "a string"),
    "language": ((str,), True, "a BCP 47 language tag such as \"en\" or \"en-GB\""),
    "subtitle": ((str,), False, "a string"),
    "description": ((str,), False, "a string"),
    "publisher": ((str,), False, "a string"),
    "rights": ((str,), False, "a string"),
    "subjects": ((list,), False, "a list of strings"),
    "identifier": ((str,), False, "a string"),
    "date": ((str,), False, "a date such as \"2026-11-24\""),
    "series": ((str,), False, "a string"),
    "series_index": ((int, float), False, "a number"),
    "cover": ((str,), False, "an image path"),
    "chapters": ((list,), False, "a list of chapter file names"),
    "partners": ((list,), False, "a list of booklet slugs"),
    "download_base": ((str,), False, "a URL ending in /"),
    "accessibility_summary": ((str,), False, "a string"),
    "scripts": ((bool,), False, "true or false"),
    "font": ((str,), False, "a font file (.ttf or .otf) inside the booklet root, for text drawn into pictures"),
}
_EXAMPLES = {str: '"..."', list: '["...", "..."]', bool: "true", int: "1", float: "1"}
_NAMESPACE = uuid.UUID("6f0c9d3e-2b3a-5c1e-9f4e-0b6b1e7a2d10")


def key_line(text: str, key: str, table: str | None = None) -> int | None:
    """Return the 1-based line where ``key = ...`` is set, searching inside ``[table]`` if given."""
    in_table = table is None
    pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=')
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_table = table is None or stripped.strip("[] ") == table
            continue
        if in_table and pattern.match(line):
            return number
    return None


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """Parse a TOML file, turning decode and syntax errors into ConfigError with a line."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror or exc}", path) from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", path, line, col,
                          hint="save the file as UTF-8") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(path, text, exc) from None


# tomllib's wording for common slips, and what it means to someone writing a booklet.toml.
_TOML_PLAIN = {
    "Illegal character '\\n'": ("a string is not closed on its line",
                                  'end it with ", or use """ for text over several lines'),
    "Cannot overwrite a value": ("a key or table is set twice", "keep one of them"),
    "Invalid value": ("invalid value", 'quote text as "...", write lists as [..., ...]'),
}


def _toml_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> ConfigError:
    detail = str(exc)
    found = _TOML_LINE.search(detail)
    line, col = (int(found.group(1)), int(found.group(2))) if found else (None, None)
    if "at end of document" in detail:
        line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
    message = re.sub(r"\s*\((?:at )?(?:line \d+, column \d+|end of document)\)\s*$", "", detail).strip()
    plain, hint = _TOML_PLAIN.get(message, (message or "invalid TOML", "see https://toml.io for the syntax"))
    if "at end of document" in detail:
        plain, hint = "the file ends inside a value that is not closed", "close every [, { and quote you open"
    return ConfigError(f"invalid TOML: {plain}", path, line, col, hint=hint)


def default_identifier(slug: str) -> str:
    """Return a UUID URN derived from the slug, so rebuilds keep the same identifier."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, slug)}"


def load_metadata(path: Path, slug: str, report: Report, lenient: bool = False) -> Metadata:
    """Validate the ``[booklet]`` table of *path*; every problem goes to *report*.

    Raises the errors found unless *lenient*: then bad or missing values are replaced by
    placeholders, so the build can go on to find the errors of the other files too.
    """
    data, text = read_toml(path)
    table = data.get("booklet")
    if not isinstance(table, dict):
        raise ConfigError("missing the [booklet] table", path, 1,
                          hint="start the file with [booklet] and give title, author and language")
    for other in sorted(set(data) - {"booklet"}):
        report.warn(f"unknown table or key '{other}' is ignored", path, key_line(text, other) or _table_line(text, other),
                    code="config-unknown-key")
    values: dict[str, Any] = {}
    for key in sorted(table):
        if key not in SCHEMA:
            close = difflib.get_close_matches(key, SCHEMA, n=1)
            report.warn(f"unknown key 'booklet.{key}' is ignored", path, key_line(text, key, "booklet"),
                        hint=f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(sorted(SCHEMA))}",
                        code="config-unknown-key")
    for key, (types, required, wanted) in SCHEMA.items():
        line = key_line(text, key, "booklet")
        if key not in table:
            if required:
                report.error(ConfigError(f"missing required key 'booklet.{key}'", path, _table_line(text, "booklet"),
                                         hint=f"add {key} = ... ({wanted})"))
            continue
        value = table[key]
        if key == "date" and isinstance(value, (datetime.date, datetime.datetime)):
            value = value.isoformat()[:10]        # an unquoted TOML date is fine too
        if not isinstance(value, types) or isinstance(value, bool) and bool not in types:
            report.error(ConfigError(f"'booklet.{key}' must be {wanted}, not {_type_name(value)}", path, line,
                                     hint=f"write {key} = {_EXAMPLES[types[0]]}"))
            continue
        problem = _check_value(key, value)
        if problem:
            report.error(ConfigError(f"'booklet.{key}' {problem}", path, line))
            continue
        if isinstance(value, str):
            value = value.strip()
            if not value:
                if required:
                    report.error(ConfigError(f"'booklet.{key}' must not be empty", path, line,
                                             hint=f"give it a value: {wanted}"))
                continue              # an empty optional value is as good as none
        values[key] = value
    if not lenient:
        report.raise_if_errors()
    for key, placeholder in (("title", slug), ("author", "?"), ("language", "en")):
        values.setdefault(key, placeholder)
    return _metadata(values, slug)


def _metadata(values: dict[str, Any], slug: str) -> Metadata:
    as_tuple = {k: tuple(values[k]) for k in ("subjects", "chapters", "partners") if k in values}
    rest = {k: v for k, v in values.items() if k not in as_tuple and k != "scripts"}
    rest.setdefault("identifier", default_identifier(slug))
    if "series_index" in rest:
        rest["series_index"] = float(rest["series_index"])
    return Metadata(**rest, **as_tuple, allow_scripts=values.get("scripts", False))


def _check_value(key: str, value: Any) -> str | None:
    for text in ([value] if isinstance(value, str) else value if isinstance(value, list) else []):
        bad = XML_INVALID.search(text) if isinstance(text, str) else None
        if bad:
            return (f"contains the control character U+{ord(bad.group()):04X}, which XML cannot hold "
                    "(delete it)")
    if key == "language" and not _BCP47.match(value):
        return f"is not a valid BCP 47 language tag: {value!r} (use e.g. \"en\", \"en-GB\", \"de\")"
    if key in ("subjects", "chapters", "partners"):
        if not all(isinstance(v, str) and v.strip() for v in value):
            return "must be a list of non-empty strings"
        if key == "partners":
            bad = [v for v in value if not _SLUG.match(v)]
            if bad:
                return f"names an invalid slug {bad[0]!r} (lowercase words joined by hyphens)"
    if key == "date" and not _is_date(value):
        return f"must be a date such as \"2026-11-24\", not {value!r}"
    if key == "series_index" and not (math.isfinite(value) and value >= 0):
        return f"must be a number from 0 up, not {value}"
    if key == "download_base" and not re.match(r"^https?://\S+/$", value):
        return "must be an http(s) URL ending in /"
    return None


def _is_date(value: str) -> bool:
    """Tell whether *value* is a year, a year-month or a full date, as real calendar dates."""
    if not re.match(r"^\d{4}(-\d{2}(-\d{2})?)?$", value):
        return False
    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        datetime.date(*parts[:3])
    except ValueError:
        return False
    return True


def _type_name(value: Any) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


def _table_line(text: str, table: str) -> int | None:
    for number, line in enumerate(text.splitlines(), 1):
        if line.split("#", 1)[0].replace(" ", "").replace("\t", "") == f"[{table}]":
            return number
    return None


def load_glossary(path: Path, report: Report) -> list[GlossaryTerm]:
    """Read ``[[term]]`` entries (name, definition, optional aliases) from glossary.toml."""
    data, text = read_toml(path)
    entries = data.get("term", [])
    if not isinstance(entries, list):
        raise ConfigError("'term' must be an array of tables written as [[term]]", path, key_line(text, "term"))
    starts = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "[[term]]"]
    terms: list[GlossaryTerm] = []
    seen: dict[str, int | None] = {}
    for index, entry in enumerate(entries):
        line = starts[index] if index < len(starts) else None
        term = _glossary_term(entry, path, line, report)
        if term is None:
            continue
        key = term.name.casefold()
        if key in seen:
            report.error(ConfigError(f"glossary term '{term.name}' is defined twice (first on line {seen[key]})",
                                     path, line))
            continue
        twin = next((t for t in terms if t.slug == term.slug), None)
        if twin is not None:
            report.error(ConfigError(f"glossary terms '{twin.name}' and '{term.name}' would get the same id "
                                     f"'{term.slug}'", path, line, hint="make the names differ in letters or "
                                                                       "digits, not only in punctuation"))
            continue
        seen[key] = line
        terms.append(term)
    for other in sorted(set(data) - {"term"}):
        report.warn(f"unknown key '{other}' is ignored", path, key_line(text, other), code="config-unknown-key")
    return terms


def _glossary_term(entry: Any, path: Path, line: int | None, report: Report) -> GlossaryTerm | None:
    if not isinstance(entry, dict):
        report.error(ConfigError("each [[term]] must be a table", path, line))
        return None
    name, definition = entry.get("name"), entry.get("definition")
    aliases = entry.get("aliases", [])
    for key, value in (("name", name), ("definition", definition)):
        if not isinstance(value, str) or not value.strip():
            report.error(ConfigError(f"term.{key} must be a non-empty string", path, line,
                                     hint="each [[term]] needs name = \"...\" and definition = \"...\""))
            return None
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        report.error(ConfigError("term.aliases must be a list of strings", path, line,
                                 hint='write aliases = ["...", "..."]'))
        return None
    for text in (name, definition, *aliases):
        bad = XML_INVALID.search(text)
        if bad:
            report.error(ConfigError(f"term {name.strip()!r} contains the control character "
                                     f"U+{ord(bad.group()):04X}, which XML cannot hold", path, line,
                                     hint="delete it"))
            return None
    for key in sorted(set(entry) - {"name", "definition", "aliases"}):
        report.warn(f"unknown key 'term.{key}' is ignored", path, line, code="config-unknown-key")
    return GlossaryTerm(name.strip(), definition.strip(), tuple(a.strip() for a in aliases), line)
