"""m- rules: the package metadata, above all the accessibility metadata, against the content."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from booklet.check.lint.epub import EPUB_TYPE, OPF, SVG, XHTML, Epub, tokens
from booklet.check.lint.model import ERROR, WARNING, Hit, rule
from booklet.render.xhtml import MATHML_NS as MATHML

REQUIRED = ("schema:accessMode", "schema:accessibilityFeature", "schema:accessibilityHazard",
            "schema:accessibilitySummary")
CONFORMS_TO = "dcterms:conformsTo"


@dataclass
class Facts:
    """What the package says about accessibility, and what the content really has."""

    epub: Epub

    @cached_property
    def declared(self) -> dict[str, list[tuple[str, int | None]]]:
        """``meta property`` values (and ``link rel`` hrefs) by property, with their lines."""
        found: dict[str, list[tuple[str, int | None]]] = {}
        metadata = self.epub.metadata
        for meta in metadata.iter(f"{{{OPF}}}meta") if metadata is not None else ():
            if meta.get("property") and not meta.get("refines"):
                found.setdefault(meta.get("property"), []).append(((meta.text or "").strip(), meta.sourceline))
        for link in metadata.iter(f"{{{OPF}}}link") if metadata is not None else ():
            for rel in tokens(link, "rel"):
                found.setdefault(rel, []).append(((link.get("href") or "").strip(), link.sourceline))
        return found

    def values(self, prop: str) -> set[str]:
        return {value for value, _ in self.declared.get(prop, []) if value}

    def line(self, prop: str | None = None) -> int | None:
        """The line of *prop*'s first declaration, else that of ``<metadata>``."""
        entries = self.declared.get(prop, []) if prop else []
        if entries:
            return entries[0][1]
        return self.epub.metadata.sourceline if self.epub.metadata is not None else self.epub.opf.sourceline

    def _any(self, *tags: str) -> bool:
        return any(next(root.iter(*tags), None) is not None for _, root in self.epub.xhtml())

    @cached_property
    def img(self) -> bool:
        return self._any(f"{{{XHTML}}}img")

    @cached_property
    def visual(self) -> bool:
        return self.img or self._any(f"{{{SVG}}}svg", f"{{{SVG}}}image", f"{{{XHTML}}}video")

    @cached_property
    def scripted(self) -> bool:
        return any("scripted" in item.properties for item in self.epub.manifest.values()) \
            or self._any(f"{{{XHTML}}}script")

    @cached_property
    def math(self) -> bool:
        return self._any(f"{{{MATHML}}}math")

    @cached_property
    def pages(self) -> bool:
        return any(tokens(e, EPUB_TYPE) & {"page-list", "pagebreak"} or "doc-pagebreak" in tokens(e, "role")
                   for _, root in self.epub.xhtml() for e in root.iter() if isinstance(e.tag, str))

    @cached_property
    def overlays(self) -> bool:
        return any(node.get("media-overlay") for node in self.epub.opf.iter(f"{{{OPF}}}item"))


def _facts(epub: Epub) -> Facts:
    """The facts of *epub*, worked out once for all the m- rules."""
    if not hasattr(epub, "_lint_facts"):
        epub._lint_facts = Facts(epub)
    return epub._lint_facts


@rule("m-001", ERROR, "accessibility metadata missing")
def missing_accessibility(epub: Epub):
    facts = _facts(epub)
    for prop in REQUIRED:
        if not facts.values(prop):
            yield Hit(epub.opf_path, facts.line(), f"no {prop} in the package metadata "
                                                  "(EPUB Accessibility 1.1 requires it)")


@rule("m-002", ERROR, "dcterms:conformsTo missing")
def missing_conformance(epub: Epub):
    facts = _facts(epub)
    if not facts.values(CONFORMS_TO):
        yield Hit(epub.opf_path, facts.line(), f"no {CONFORMS_TO}: say which standard the EPUB meets, e.g. "
                                              "'EPUB Accessibility 1.1 - WCAG 2.1 Level AA'")


@rule("m-003", ERROR, "images but no accessMode 'visual'")
def visual_mode(epub: Epub):
    facts = _facts(epub)
    if facts.visual and facts.values("schema:accessMode") and "visual" not in facts.values("schema:accessMode"):
        yield Hit(epub.opf_path, facts.line("schema:accessMode"),
                  "the content has images but schema:accessMode does not include 'visual'")


@rule("m-004", ERROR, "images but no accessibilityFeature 'alternativeText'")
def alternative_text(epub: Epub):
    facts = _facts(epub)
    features = facts.values("schema:accessibilityFeature")
    if facts.img and features and "alternativeText" not in features:
        yield Hit(epub.opf_path, facts.line("schema:accessibilityFeature"),
                  "the content has images but schema:accessibilityFeature does not include 'alternativeText'")


# What a declared access mode or feature promises, and how to see it in the content.
PROMISES = (("schema:accessMode", "visual", "visual", "images"),
            ("schema:accessibilityFeature", "alternativeText", "img", "images"),
            ("schema:accessibilityFeature", "MathML", "math", "MathML"),
            ("schema:accessibilityFeature", "printPageNumbers", "pages", "page list or page breaks"),
            ("schema:accessibilityFeature", "pageNavigation", "pages", "page list or page breaks"),
            ("schema:accessibilityFeature", "pageBreakMarkers", "pages", "page breaks"),
            ("schema:accessibilityFeature", "synchronizedAudioText", "overlays", "media overlays"))


@rule("m-005", WARNING, "accessibility metadata promises what the content lacks")
def broken_promises(epub: Epub):
    facts = _facts(epub)
    for prop, value, fact, what in PROMISES:
        if value in facts.values(prop) and not getattr(facts, fact):
            yield Hit(epub.opf_path, facts.line(prop),
                      f"{prop} {value!r} is declared but the content has no {what}")


@rule("m-006", WARNING, "scripted content with accessibilityHazard 'unknown'")
def scripted_hazards(epub: Epub):
    facts = _facts(epub)
    if facts.scripted and "unknown" in facts.values("schema:accessibilityHazard"):
        yield Hit(epub.opf_path, facts.line("schema:accessibilityHazard"),
                  "the content is scripted but schema:accessibilityHazard is 'unknown': scripts can flash, "
                  "move or play sound, so say which hazards there are, or 'none'")
