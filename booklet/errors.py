"""Errors and warnings that users see, each naming a file and, where known, a line."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


def _where(path: Path | str | None, line: int | None, col: int | None) -> str:
    if path is None:
        return ""
    text = str(path)
    if line is not None:
        text += f":{line}"
        if col is not None:
            text += f":{col}"
    return text + ": "


class BookletError(Exception):
    """A problem with the user's input or environment, shown without a traceback.

    Reads as ``<path>[:<line>[:<col>]]: <message> (<hint>)``.
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

    def __str__(self) -> str:
        text = _where(self.path, self.line, self.col) + self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


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
class Problem:
    """A warning (or an error kept for later) noted while building."""

    message: str
    path: Path | str | None = None
    line: int | None = None
    col: int | None = None
    hint: str | None = None
    code: str | None = None

    def __str__(self) -> str:
        text = _where(self.path, self.line, self.col) + self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


@dataclass
class Report:
    """Collects the errors and warnings of one build so all are shown, not only the first."""

    errors: list[BookletError] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, err: BookletError) -> None:
        self.errors.append(err)

    def warn(self, message: str, path=None, line=None, col=None, hint=None, code=None) -> None:
        self.warnings.append(Problem(message, path, line, col, hint, code))

    def raise_if_errors(self) -> None:
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise BuildErrors(self.errors)
