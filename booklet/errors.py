"""Diagnostics: the one type for every error and warning users see (config, build,
EPUBCheck, lint, Ace), with one text form (:func:`format_text`) and one JSON form (:func:`diagnostic_dict`).

A diagnostic names a file and, where known, a line and column; it reads
``error: <path>:<line>:<col>: <what> (<fix>)``.  :class:`BookletError` is the exception
that carries one out of a stage.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def display_path(path: Path | str) -> str:
    """Return *path* as messages show it: relative to the current directory when inside it."""
    text = str(path)
    if not os.path.isabs(text):
        return text
    try:
        cwd = os.getcwd()
    except OSError:
        return text
    for base in dict.fromkeys((cwd, os.path.realpath(cwd))):
        try:
            relative = os.path.relpath(text, base)
        except ValueError:           # another drive on Windows
            continue
        if relative != os.pardir and not relative.startswith(os.pardir + os.sep):
            return relative
    return text


def _place(path, container: str | None = None) -> str | None:
    """The file part of a place: ``<epub>!<path inside>`` for a file inside an EPUB."""
    if container is not None:
        return f"{display_path(container)}!{path}" if path else display_path(container)
    return display_path(path) if path is not None else None


def _where(path: Path | str | None, line: int | None, col: int | None, container: str | None = None) -> str:
    """The ``<path>[:<line>[:<col>]]: `` prefix of a message; the one place paths are formatted."""
    text = _place(path, container)
    if text is None:
        return ""
    if line is not None:
        text += f":{line}"
        if col is not None:
            text += f":{col}"
    return text + ": "


ERROR, WARNING, INFO = "error", "warning", "info"


@dataclass(frozen=True)
class Diagnostic:
    """One finding at one place: what is wrong (``message``) and how to fix it (``hint``).

    ``path`` is a file on disk, or with ``container`` a file inside that EPUB
    (``EPUB/chapter-01.xhtml``); ``line`` and ``col`` are 1-based.  ``tool`` names the
    checker that found it (``epubcheck``, ``lint``, ``ace``; None for the build itself),
    whose ``code`` the text form then shows.
    """

    message: str
    path: Path | str | None = None
    line: int | None = None
    col: int | None = None
    hint: str | None = None
    code: str | None = None
    severity: str = WARNING
    tool: str | None = None
    container: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def is_warning(self) -> bool:
        return self.severity == WARNING

    def __str__(self) -> str:
        text = _where(self.path, self.line, self.col, self.container) + self.message
        text = f"{text} ({self.hint})" if self.hint else text
        return f"{text} [{self.code}]" if self.tool and self.code else text


#: A warning noted while building (the name the stages use).
Problem = Diagnostic


def format_text(diagnostic: Diagnostic) -> str:
    """``<severity>: <path>:<line>:<col>: <what> (<fix>)``: the one text form."""
    return f"{diagnostic.severity}: {diagnostic}"


def diagnostic_dict(diagnostic: Diagnostic) -> dict:
    """The one JSON form: the place as the text shows it, keys in a fixed order."""
    d = diagnostic
    return {"path": _place(d.path, d.container), "line": d.line, "col": d.col, "severity": d.severity,
            "code": d.code, "message": d.message, "hint": d.hint, "tool": d.tool}


class BookletError(Exception):
    """A problem with the user's input or environment, shown without a traceback.

    Carries a :class:`Diagnostic` of severity ``error``; reads as its text.
    """

    def __init__(self, message: str, path: Path | str | None = None,
                 line: int | None = None, col: int | None = None,
                 hint: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line
        self.col = col
        self.hint = hint
        self.code = code

    def __reduce__(self):
        # Errors cross from build worker processes; keep every field, not only the message.
        return (self.__class__, (self.message, self.path, self.line, self.col, self.hint, self.code))

    @property
    def diagnostic(self) -> Diagnostic:
        return Diagnostic(self.message, self.path, self.line, self.col, self.hint, self.code, ERROR)

    def __str__(self) -> str:
        return str(self.diagnostic)


class ConfigError(BookletError):
    """booklet.toml, glossary.toml or a figure file is not as documented."""


class ContentError(BookletError):
    """A chapter, image or other source file cannot be used."""


class TemplateError(BookletError):
    """A Jinja2 template failed to load or render."""


class ValidationError(BookletError):
    """EPUBCheck or the booklet lint rejected a built EPUB."""


class EnvironmentProblem(BookletError):
    """A tool the build needs (Java, Chromium, Ace) is missing."""


class BuildErrors(Exception):
    """Several errors found in one build, reported together."""

    def __init__(self, errors: list[BookletError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class Report:
    """Collects the errors and warnings of one build so all are shown, not only the first."""

    errors: list[BookletError] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)

    def error(self, err: BookletError) -> None:
        # Two checks may catch one fault (a remote image is both a bad source and unsafe markup):
        # say it once.
        if not any(_same(err, seen) for seen in self.errors):
            self.errors.append(err)

    def warn(self, message: str, path=None, line=None, col=None, hint=None, code=None) -> None:
        self.add_warning(Diagnostic(message, path, line, col, hint, code))

    def add_warning(self, problem: Diagnostic) -> None:
        if not any(_same(problem, seen) for seen in self.warnings):
            self.warnings.append(problem)

    def raise_if_errors(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise BuildErrors(self.errors)


def _same(a, b) -> bool:
    """Tell whether two problems report the same thing at the same place (hints aside)."""
    return (type(a) is type(b) and a.message == b.message and a.line == b.line and a.col == b.col
            and str(a.path) == str(b.path))
