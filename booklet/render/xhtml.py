"""Check chapter markup as XML: well-formed, self-contained, and only what the allow-list has."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from lxml import etree

from booklet.render.allowed import (ELEMENT_ATTRIBUTES, GLOBAL_ATTRIBUTES, LINKING_ATTRIBUTES, MATHML_ELEMENTS,
                                    REFUSED_ATTRIBUTES, REFUSED_WHY,
                                    SVG_ANIMATIONS, SVG_ELEMENTS, URL_ATTRIBUTES, XHTML_ELEMENTS)
from booklet.urls import (REMOTE_HINT, css_runs_script, css_urls, is_remote, is_script_url, loaded_urls,
                          mentions_script_scheme)

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
SVG_NS = "http://www.w3.org/2000/svg"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
OPF_NS = "http://www.idpf.org/2007/opf"
CONTAINER_NS = "urn:oasis:names:tc:opendocument:xmlns:container"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_WRAP = f'<div xmlns="{XHTML_NS}" xmlns:epub="{EPUB_NS}">{{}}</div>'
_ELEMENTS = {XHTML_NS: XHTML_ELEMENTS, SVG_NS: SVG_ELEMENTS, MATHML_NS: MATHML_ELEMENTS}
# Namespaced attributes allowed anywhere, as prefix:name.
_QUALIFIED = {f"{{{XML_NS}}}lang": "xml:lang", f"{{{XML_NS}}}space": "xml:space",
              f"{{{EPUB_NS}}}type": "epub:type", f"{{{XLINK_NS}}}href": "xlink:href",
              f"{{{XLINK_NS}}}title": "xlink:title"}
# Allowed elements with no rule beyond their name: one of these without attributes needs no
# further look (most of a chapter: p, li, em, td), which keeps the check off the profile.
_PLAIN_TAGS = frozenset(f"{{{ns}}}{name}" for ns, names in _ELEMENTS.items() for name in names
                        if name not in ("script", "button"))
_OPT_IN = "set scripts = true in booklet.toml to opt in"
_ALLOW_HINT = "write it in Markdown or with the elements docs/security.md lists"


@dataclass
class MarkupProblem:
    message: str
    needle: str          # text to look for in the source to find the line
    hint: str | None = None
    line: int | None = None


def parse_fragment(html: str, source: str | None = None
                   ) -> tuple[etree._Element | None, MarkupProblem | None]:
    """Parse a body fragment as XHTML, returning the tree or the first syntax problem.

    With the chapter's *source*, the problem is placed on the source line the author wrote.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(_WRAP.format(html).encode("utf-8"), parser), None
    except etree.XMLSyntaxError as exc:
        if source is not None:
            from booklet.render.rawlines import first_problem

            found = first_problem(source)
            if found is not None:
                line, message, hint = found
                return None, MarkupProblem(f"raw HTML is not well-formed XML: {message}", "", hint, line)
        if "Excessive depth" in exc.msg:
            return None, _too_deep(source)
        lines = html.splitlines()
        line = exc.lineno or 1
        bad = lines[line - 1] if 0 < line <= len(lines) else ""
        # libxml2 counts lines of the generated XHTML ("tag mismatch: p line 3 and div"): drop them.
        message = re.sub(r",? line \d+", "", exc.msg.split(", line ")[0])
        return None, MarkupProblem(f"raw HTML is not well-formed XML: {message}", bad.strip()[:60],
                                   hint="close every tag, quote attributes, write <br/> not <br>",
                                   line=_source_line(source, bad) if source is not None else None)


def _too_deep(source: str | None) -> MarkupProblem:
    """libxml2 stops at 256 nested elements: say so in words, at the line with the most markup."""
    line = None
    if source is not None:
        counts = [sum(text.count(c) for c in "<*_[>") for text in source.splitlines()]
        line = counts.index(max(counts)) + 1 if counts else None
    return MarkupProblem("elements nest more than 255 deep (HTML tags, emphasis or links inside each other)", "",
                         hint="nest less: no reading system shows that many levels", line=line)


def _source_line(source: str, bad: str) -> int | None:
    """Find the source line of a bad line of generated HTML: its text, else one of its tags."""
    needles = [bad.strip()[:60]] + [f"<{name}" for name in re.findall(r"<([A-Za-z][\w:.-]*)", bad)]
    lines = source.splitlines()
    for needle in filter(None, needles):
        found = next((n for n, text in enumerate(lines, 1) if needle in text), None)
        if found is not None:
            return found
    return None


def local_name(element: etree._Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _namespace(element: etree._Element) -> str:
    return element.tag[1:].split("}", 1)[0] if element.tag.startswith("{") else ""


def check_safety(tree: etree._Element, allow_scripts: bool) -> list[MarkupProblem]:
    """Find what the allow-list lacks: elements, attributes, script URLs, remote resources."""
    problems: list[MarkupProblem] = []
    ids: set[str] = set()
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in _PLAIN_TAGS and not element.attrib:
            continue
        ident = element.get("id")
        if ident is not None:
            # Raw HTML may repeat an id a heading got from its text ("## Review" -> id="review").
            if ident in ids:
                problems.append(MarkupProblem(f"id {ident!r} is used twice in this chapter", f'id="{ident}"',
                                              hint="rename the id you wrote; headings take theirs from their "
                                                   "text"))
            ids.add(ident)
        problems += _check_element(element, allow_scripts)
    for element in tree.iter():
        href = element.get("href")
        if href and href.startswith("#") and len(href) > 1 and not {href[1:], unquote(href[1:])} & ids:
            problems.append(MarkupProblem(f"link to {href!r} points at no id in this chapter", href,
                                          hint="a heading's id is its text in lowercase, words joined by -; "
                                               "or give the target an id with {: #name }"))
    return problems


def _check_element(element: etree._Element, allow_scripts: bool) -> list[MarkupProblem]:
    name, namespace = local_name(element), _namespace(element)
    if name == "script" and namespace in (XHTML_NS, SVG_NS):
        if not allow_scripts:
            return [MarkupProblem("<script> is not allowed in a chapter", "<script", hint=_OPT_IN)]
    elif namespace not in _ELEMENTS:
        return [MarkupProblem(f"<{name}> in the namespace {namespace or 'none'!r} is not allowed in a chapter",
                              f"<{name}", hint=_ALLOW_HINT)]
    elif name not in _ELEMENTS[namespace]:
        why = REFUSED_WHY.get(name, "is not on booklet's list of elements a chapter may contain")
        return [MarkupProblem(f"<{name}> is not allowed in a chapter: it {why}", f"<{name}", hint=_ALLOW_HINT)]
    elif name == "button" and (element.get("type") or "").strip().lower() != "button":
        return [MarkupProblem('<button> is allowed only as type="button": any other type submits a form',
                              "<button", hint=_ALLOW_HINT)]
    problems = [p for attr, value in element.attrib.items()
                for p in _check_attribute(element, name, namespace, attr, value, allow_scripts)]
    if name in SVG_ANIMATIONS and namespace == SVG_NS:
        target = (element.get("attributeName") or "").strip().lower()
        if target in LINKING_ATTRIBUTES or target.startswith("on"):
            problems.append(MarkupProblem(f"<{name}> may not change the attribute {target!r}: it could turn a "
                                          "link into a script", "attributeName", hint="animate presentation "
                                                                                     "attributes only"))
    return problems + _check_loading(element, name)


def _check_attribute(element, name: str, namespace: str, attr: str, value: str,
                     allow_scripts: bool) -> list[MarkupProblem]:
    shown = _QUALIFIED.get(attr, attr)
    local = shown.rsplit(":", 1)[-1].lower() if attr.startswith("{") else attr.lower()
    if local.startswith("on") and len(local) > 2 and not attr.startswith("{"):
        if allow_scripts:
            return []
        return [MarkupProblem(f"event handler attribute {local}= is not allowed", f"{attr}=", hint=_OPT_IN)]
    if local in REFUSED_ATTRIBUTES:
        return [MarkupProblem(f"attribute {local}= is not allowed: it {REFUSED_ATTRIBUTES[local]}", f"{attr}=",
                              hint="remove it")]
    if not _attribute_allowed(name, namespace, attr):
        return [MarkupProblem(f"attribute {shown}= is not allowed on <{name}>", f"{shown}=",
                              hint="remove it; aria-*, data-*, epub:type and the element's own attributes "
                                   "are allowed")]
    if _runs_script(local, shown, value):
        return [MarkupProblem(f"attribute {shown}= holds a script URL, which is not allowed", f"{shown}=",
                              hint="link to a file in the booklet or to #an-id")]
    if local == "style":
        return _check_style(value, shown)
    return []


def _attribute_allowed(name: str, namespace: str, attr: str) -> bool:
    if attr.startswith("{"):
        xlink_in_html = attr.startswith(f"{{{XLINK_NS}}}") and namespace == XHTML_NS
        return attr in _QUALIFIED and not xlink_in_html
    if namespace != XHTML_NS:
        return True                    # SVG and MathML presentation attributes are many and harmless
    return (attr in GLOBAL_ATTRIBUTES or attr in ELEMENT_ATTRIBUTES.get(name, ())
            or attr.startswith(("aria-", "data-")))


def _runs_script(local: str, shown: str, value: str) -> bool:
    # Anywhere in any attribute: an SVG animation's values= or a list of URLs hides one mid-value.
    if mentions_script_scheme(value):
        return True
    if local in URL_ATTRIBUTES or shown == "xlink:href":
        return any(is_script_url(part) for part in [value, *re.split(r"[;,\s]+", value)] if part)
    return False


def _check_style(css: str, shown: str) -> list[MarkupProblem]:
    if css_runs_script(css):
        return [MarkupProblem("a style attribute that can run a script is not allowed", f"{shown}=",
                              hint="put the styling in templates/style.css")]
    if any(is_remote(url) for _, url in css_urls(css)):
        return [MarkupProblem("remote url() in a style attribute is not allowed", "url(", hint=REMOTE_HINT)]
    return []


def _check_loading(element: etree._Element, name: str) -> list[MarkupProblem]:
    return [MarkupProblem(f"remote resource {url!r} is not allowed", url, hint=REMOTE_HINT)
            for _, url in loaded_urls(element) if is_remote(url)]


def has_element(xhtml: str, name: str, namespace: str) -> bool:
    """Tell whether a whole XHTML document contains an element *name* in *namespace*."""
    if f"<{name}" not in xhtml and f":{name}" not in xhtml:     # not even the name: no parse
        return False
    tree = etree.fromstring(xhtml.encode("utf-8"))
    return next(tree.iter(f"{{{namespace}}}{name}"), None) is not None
