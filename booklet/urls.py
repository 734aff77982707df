"""What a URL in a booklet or an EPUB is: local, named by a scheme, fetched from the network, a script.

One module for the rules that the reader, the raw-HTML check and the lint all apply
(issue 14: two ``is_remote`` with different rules had grown apart).
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

REMOTE_HINT = "EPUBs must be self-contained: put the file in images/ and use a relative path"
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# Browsers drop ASCII tab, newline and control characters from URLs before reading the
# scheme ("java\tscript:" runs), and accept leading spaces.
_IGNORED = re.compile(r"[\x00-\x20\x7f]+")
_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "livescript:")
_SAFE_DATA = re.compile(r"^data:image/(png|jpeg|gif|webp)[;,]", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)|@import\s+(['"])([^'"]*)\3""", re.IGNORECASE)


def is_url(src: str) -> bool:
    """Tell whether *src* names a resource by URL (any scheme, or protocol-relative), not a file."""
    return bool(_SCHEME.match(src)) or src.startswith("//")


def is_remote(url: str) -> bool:
    """Tell whether a reading system would fetch *url* from the network."""
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("http", "https", "ftp") or url.strip().startswith("//")


def is_script_url(value: str) -> bool:
    """Tell whether *value* (a URL) would run a script: javascript:, vbscript:, an HTML data: URL."""
    if ":" not in value:        # every scheme ends in one (entities are decoded by then): the usual case
        return False
    plain = _IGNORED.sub("", value).lower()
    if plain.startswith(_SCRIPT_SCHEMES):
        return True
    return plain.startswith("data:") and not _SAFE_DATA.match(plain)


def mentions_script_scheme(value: str) -> bool:
    """Tell whether *value* holds ``javascript:`` or ``vbscript:`` anywhere, however spaced out."""
    if ":" not in value:        # every scheme ends in one (entities are decoded by then): the usual case
        return False
    plain = _IGNORED.sub("", value).lower()
    return any(scheme in plain for scheme in _SCRIPT_SCHEMES)


def css_urls(css: str):
    """Yield (offset, URL) of every ``url(...)`` and ``@import`` in *css*, comments left out."""
    # Comments blanked, newlines kept, so offsets still give lines.
    bare = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group()), css, flags=re.DOTALL)
    for match in CSS_URL.finditer(bare):
        yield match.start(), (match.group(2) if match.group(2) is not None else match.group(4)).strip()


def css_runs_script(css: str) -> bool:
    """Tell whether CSS text can run a script: a script URL, ``expression()``, ``-moz-binding``."""
    plain = _IGNORED.sub("", re.sub(r"\\", "", css)).lower()
    if "expression(" in plain or "-moz-binding" in plain or "behavior:" in plain:
        return True
    return any(is_script_url(url) for _, url in css_urls(css)) or any(s in plain for s in _SCRIPT_SCHEMES)


_XHTML, _SVG, _XLINK = "http://www.w3.org/1999/xhtml", "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
# The attributes through which an element makes a reading system load something (rather than
# link to it): one table for the chapter check and the lint.
LOADED = {(_XHTML, "img"): ("src", "srcset"), (_XHTML, "script"): ("src",), (_XHTML, "iframe"): ("src",),
          (_XHTML, "embed"): ("src",), (_XHTML, "audio"): ("src",), (_XHTML, "video"): ("src", "poster"),
          (_XHTML, "source"): ("src", "srcset"), (_XHTML, "track"): ("src",), (_XHTML, "object"): ("data",),
          (_XHTML, "input"): ("src",), (_SVG, "image"): ("href", f"{{{_XLINK}}}href")}
LOADED_LINKS = {"stylesheet", "icon", "preload", "prefetch", "modulepreload", "manifest"}


def loaded_urls(element):
    """Yield (attribute, URL) for each thing *element* (an lxml element) makes a reader load."""
    if not isinstance(element.tag, str):
        return
    namespace, _, name = element.tag[1:].partition("}") if element.tag.startswith("{") else ("", "", element.tag)
    if (namespace, name) == (_XHTML, "link"):
        if set((element.get("rel") or "").split()) & LOADED_LINKS and element.get("href"):
            yield "href", element.get("href")
        return
    for attribute in LOADED.get((namespace, name), ()):
        value = element.get(attribute)
        if value and attribute == "srcset":
            yield from ((attribute, c.split()[0]) for c in value.split(",") if c.strip())
        elif value:
            yield attribute, value
