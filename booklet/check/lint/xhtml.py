"""x- rules: the XHTML itself: well-formedness, ids, language, leftovers, remote resources."""
from __future__ import annotations

import re

from booklet.check.lint.epub import XML_LANG, Epub, is_remote, local_name
from booklet.check.lint.model import ERROR, Hit, rule
from booklet.urls import loaded_urls

# Comments, CDATA, scripts and styles may hold braces legitimately; template text there is not shown.
HIDDEN = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<(script|style)\b[^>]*>.*?</\1\s*>", re.S | re.I)
TEMPLATE = re.compile(r"\{\{[^\n]*?\}\}|\{%[^\n]*?%\}|\{#[^\n]*?#\}|\{\{|\{%|\}\}|%\}")

@rule("x-001", ERROR, "duplicate id in a file")
def duplicate_ids(epub: Epub):
    for path, root in epub.xhtml():
        first: dict[str, int | None] = {}
        for element in root.iter():
            ident = element.get("id") if isinstance(element.tag, str) else None
            if ident is None:
                continue
            if ident in first:
                yield Hit(path, element.sourceline, f"duplicate id {ident!r} (first on line {first[ident]})")
            else:
                first[ident] = element.sourceline


@rule("x-002", ERROR, "template text left unrendered")
def template_text(epub: Epub):
    for path in epub.documents:
        text = epub.files[path].decode("utf-8", errors="replace")
        shown = HIDDEN.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
        for match in TEMPLATE.finditer(shown):
            line = shown.count("\n", 0, match.start()) + 1
            col = match.start() - shown.rfind("\n", 0, match.start())
            snippet = match.group() if len(match.group()) <= 40 else match.group()[:39] + "…"
            yield Hit(path, line, f"template text left unrendered: {snippet!r}", col)


@rule("x-003", ERROR, "document language missing or inconsistent")
def language(epub: Epub):
    for path, root in epub.xhtml():
        lang, xml_lang = root.get("lang"), root.get(XML_LANG)
        if not (lang or "").strip() and not (xml_lang or "").strip():
            yield Hit(path, root.sourceline, "<html> has no lang or xml:lang: say which language the text is in")
        elif lang is not None and xml_lang is not None and lang.strip().lower() != xml_lang.strip().lower():
            yield Hit(path, root.sourceline, f"<html> lang {lang!r} and xml:lang {xml_lang!r} differ")


@rule("x-004", ERROR, "remote resource in XHTML")
def remote_resources(epub: Epub):
    for path, root in epub.xhtml():
        for element in root.iter():
            for attribute, url in loaded_urls(element):
                if is_remote(url):
                    name = attribute.rsplit("}", 1)[-1]
                    yield Hit(path, element.sourceline, f"<{local_name(element)} {name}> loads {url!r} from "
                                                        "the network: put the file in the EPUB")


@rule("x-005", ERROR, "XHTML file not well-formed")
def not_well_formed(epub: Epub):
    for path in epub.documents:
        parsed = epub.parsed(path)
        if parsed.root is None:
            yield Hit(path, parsed.line, f"not well-formed XML: {parsed.error}", parsed.col)
