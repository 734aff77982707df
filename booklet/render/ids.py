"""Ids and slugs that are valid XML ids and stay stable from build to build."""
from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^\w-]+", re.UNICODE)


def slugify(text: str, fallback: str = "section") -> str:
    """Return a lowercase, hyphenated id that keeps non-ASCII letters and starts with a letter."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    text = _NOT_WORD.sub("-", text).strip("-_")
    text = re.sub(r"-{2,}", "-", text)
    if not text:
        text = fallback
    if not text[0].isalpha():
        # An XML id may not start with a digit or hyphen.
        text = f"{fallback}-{text}"
    return text


class IdAllocator:
    """Hands out ids unique within one document, suffixing -2, -3 ... on repeats."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def reserve(self, ident: str) -> None:
        self._seen.add(ident)

    def unique(self, base: str) -> str:
        ident, n = base, 2
        while ident in self._seen:
            ident = f"{base}-{n}"
            n += 1
        self._seen.add(ident)
        return ident

    def slug(self, text: str) -> str:
        return self.unique(slugify(text))
