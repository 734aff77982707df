"""Check chapter markup as XML: well-formed, self-contained, and free of unrequested scripts."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from lxml import etree

from booklet.read.assets import REMOTE_HINT, is_remote

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
SVG_NS = "http://www.w3.org/2000/svg"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
OPF_NS = "http://www.idpf.org/2007/opf"
CONTAINER_NS = "urn:oasis:names:tc:opendocument:xmlns:container"
_WRAP = f'<div xmlns="{XHTML_NS}" xmlns:epub="{EPUB_NS}">{{}}</div>'
# Attributes through which an element loads something rather than links to it.
LOADING = {"img": "src", "source": "src", "video": "src", "audio": "src", "track": "src",
           "iframe": "src", "embed": "src", "object": "data", "link": "href", "script": "src",
           "input": "src"}


@dataclass
class MarkupProblem:
    message: str
    needle: str          # text to look for in the source to find the line
    hint: str | None = None
    line: int | None = None


def parse_fragment(html: str) -> tuple[etree._Element | None, MarkupProblem | None]:
    """Parse a body fragment as XHTML, returning the tree or the first syntax problem."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return etree.fromstring(_WRAP.format(html).encode("utf-8"), parser), None
    except etree.XMLSyntaxError as exc:
        lines = html.splitlines()
        line = exc.lineno or 1
        bad = lines[line - 1] if 0 < line <= len(lines) else ""
        # libxml2 counts lines of the generated XHTML ("tag mismatch: p line 3 and div"): drop them.
        message = re.sub(r",? line \d+", "", exc.msg.split(", line ")[0])
        return None, MarkupProblem(f"raw HTML is not well-formed XML: {message}", bad.strip()[:60],
                                   hint="close every tag, quote attributes, write <br/> not <br>", line=line)


def local_name(element: etree._Element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def check_safety(tree: etree._Element, allow_scripts: bool) -> list[MarkupProblem]:
    """Find scripts, event handlers, javascript: URLs and remote resources in author markup."""
    problems: list[MarkupProblem] = []
    ids: set[str] = set()
    for element in tree.iter():
        name = local_name(element)
        if not name:
            continue
        ident = element.get("id")
        if ident is not None:
            # Raw HTML may repeat an id a heading got from its text ("## Review" -> id="review").
            if ident in ids:
                problems.append(MarkupProblem(f"id {ident!r} is used twice in this chapter", f'id="{ident}"',
                                              hint="rename the id you wrote; headings take theirs from their "
                                                   "text"))
            ids.add(ident)
        if name == "script" and not allow_scripts:
            problems.append(MarkupProblem("<script> is not allowed in a chapter", "<script",
                                          hint="set scripts = true in booklet.toml to opt in"))
        for attr, value in element.attrib.items():
            attr_name = attr.rsplit("}", 1)[-1].lower()
            if attr_name.startswith("on") and not allow_scripts:
                problems.append(MarkupProblem(f"event handler attribute {attr_name}= is not allowed",
                                              f"{attr_name}=", hint="set scripts = true in booklet.toml to opt in"))
            elif value.strip().lower().startswith("javascript:"):
                problems.append(MarkupProblem("javascript: URLs are not allowed", "javascript:"))
        loading = LOADING.get(name)
        src = element.get(loading, "") if loading else ""
        if name == "link" and "stylesheet" not in (element.get("rel") or ""):
            src = ""
        if src and is_remote(src):
            problems.append(MarkupProblem(f"remote resource {src!r} is not allowed", src,
                                          hint=REMOTE_HINT))
        style = element.get("style") or ""
        if "url(" in style and ("http:" in style or "https:" in style or "//" in style):
            problems.append(MarkupProblem("remote url() in a style attribute is not allowed", "url("))
    for element in tree.iter():
        href = element.get("href") if isinstance(element.tag, str) else None
        if href and href.startswith("#") and len(href) > 1 and not {href[1:], unquote(href[1:])} & ids:
            problems.append(MarkupProblem(f"link to {href!r} points at no id in this chapter", href,
                                          hint="a heading's id is its text in lowercase, words joined by -; "
                                               "or give the target an id with {: #name }"))
    return problems


def has_element(xhtml: str, name: str, namespace: str) -> bool:
    """Tell whether a whole XHTML document contains an element *name* in *namespace*."""
    if f"<{name}" not in xhtml and f":{name}" not in xhtml:     # not even the name: no parse
        return False
    tree = etree.fromstring(xhtml.encode("utf-8"))
    return next(tree.iter(f"{{{namespace}}}{name}"), None) is not None
