"""Find where in a chapter's source its raw HTML goes wrong, by the line the author wrote.

The XML parser sees the HTML that Markdown made, whose lines are not the source's: an
unclosed ``<div>`` on line 3 was reported where the parser noticed (line 5), a ``<br>`` at
no line at all (issue 15). This scans the source itself, code left out, for the same faults.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

from booklet.render.allowed import MATHML_ELEMENTS, REFUSED_WHY, SVG_ELEMENTS, XHTML_ELEMENTS

VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
KNOWN = frozenset(n.lower() for n in XHTML_ELEMENTS | SVG_ELEMENTS | MATHML_ELEMENTS | set(REFUSED_WHY)
                  | {"script"})
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")


def blank_code(source: str) -> str:
    """Return *source* with fenced code and code spans replaced by spaces, lines kept."""
    lines, fenced = [], False
    for line in source.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
            lines.append("")
        elif fenced:
            lines.append("")
        else:
            lines.append(_CODE_SPAN.sub(lambda m: " " * len(m.group()), line))
    return "\n".join(lines)


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int]] = []
        self.problem: tuple[int, str, str] | None = None

    def _note(self, line: int, message: str, hint: str) -> None:
        if self.problem is None:
            self.problem = (line, message, hint)

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        if tag not in KNOWN:
            return
        if tag in VOID:
            self._note(line, f"<{tag}> is not closed", f"write <{tag}/>: XHTML closes every tag")
        else:
            self.stack.append((tag, line))

    def handle_startendtag(self, tag, attrs):
        pass                    # <br/>, <g/>: closed as XHTML wants

    def handle_endtag(self, tag):
        if tag not in KNOWN or tag in VOID:
            return
        line = self.getpos()[0]
        names = [name for name, _ in self.stack]
        if tag not in names:
            self._note(line, f"</{tag}> closes a tag that is not open", f"remove it or add the <{tag}> it closes")
            return
        while self.stack and self.stack[-1][0] != tag:
            name, opened = self.stack.pop()
            self._note(opened, f"<{name}> is never closed", f"add </{name}> before </{tag}> on line {line}")
        self.stack.pop()

    def finish(self):
        self.close()
        if self.stack:
            name, opened = self.stack[0]
            self._note(opened, f"<{name}> is never closed", f"add </{name}> where it should end")
        return self.problem


def first_problem(source: str) -> tuple[int, str, str] | None:
    """Return (line, message, hint) of the first tag left open, closed twice or not closed."""
    scanner = _Scanner()
    scanner.feed(blank_code(source))
    return scanner.finish()
