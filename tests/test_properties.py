"""Property-based tests: whatever the input, a well-formed EPUB or a clean error, never a crash.

* random Markdown chapters (text, headings, lists, emphasis, links, images, raw HTML
  fragments, entities, blocks, unicode with control characters) render to well-formed
  XHTML, or fail with a BookletError / BuildErrors that names a file;
* random booklet.toml and glossary.toml values (strings, numbers, lists, tables, unicode,
  missing keys, broken syntax) give a booklet or such an error;
* a few whole random booklets pass EPUBCheck, all in one batch (one JVM start).
"""
from __future__ import annotations

import io
import math
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from PIL import Image

import booklet.render.cover
from booklet.read.config import SCHEMA
from booklet.errors import BookletError, BuildErrors, Report
from booklet.package.epub import entries, write_epub
from booklet.read.reader import read_booklet
from booklet.render.booklet import render_booklet

SLUG = "demo"
DRAW_COVER = booklet.render.cover.draw_cover         # the real one, whatever fast_cover patches in
FAST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                      HealthCheck.function_scoped_fixture])


def _png(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 60)).save(buffer, "PNG")
    return buffer.getvalue()


PNG = _png()
FIGURE = ('base = "body.png"\n\n[[marker]]\nid = "tp1"\nlabel = "Trigger point"\nx = 0.5\ny = 0.4\n\n'
          '[[zone]]\nid = "z1"\nfor = "tp1"\npoints = [[0.1, 0.1], [0.3, 0.1], [0.2, 0.3]]\n')
BASE_TOML = '[booklet]\ntitle = "Demo"\nauthor = "A. Author"\nlanguage = "en"\n'
SECOND = "# Two\n\n## Sec\n\nThe second chapter.\n"


def make_tree(root: Path) -> Path:
    """A booklet root with an image, a figure and a second chapter to point at."""
    if root.exists():
        shutil.rmtree(root)
    folder = root / "chapters" / SLUG
    folder.mkdir(parents=True)
    images = root / "images" / SLUG
    images.mkdir(parents=True)
    (images / "pic.png").write_bytes(PNG)
    (images / "body.png").write_bytes(_png((400, 300)))
    (images / "body.toml").write_text(FIGURE, encoding="utf-8")
    (images / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (folder / "booklet.toml").write_text(BASE_TOML, encoding="utf-8")
    (folder / "02-two.md").write_text(SECOND, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def fast_cover():
    """The drawn cover costs time and does not depend on the chapters."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(booklet.render.cover, "draw_cover", lambda booklet, *fonts, **options: Image.new("RGB", (64, 96), (200, 80, 60)))
        yield


def render(root: Path):
    """Read and render the booklet; return the rendered booklet or the clean error."""
    report = Report()
    try:
        rendered = render_booklet(read_booklet(root, SLUG, report), report)
        entries(rendered)             # packaging parses every page again
        return rendered
    except (BookletError, BuildErrors) as exc:
        return exc


def assert_clean_error(exc) -> None:
    errors = exc.errors if isinstance(exc, BuildErrors) else [exc]
    assert errors
    for error in errors:
        assert isinstance(error, BookletError)
        assert error.path is not None, f"error without a file: {error}"
        assert error.message and "Traceback" not in str(error)
        assert "\x02" not in str(error) and "\x03" not in str(error), repr(str(error))


def assert_well_formed(rendered) -> None:
    for page in rendered.pages:
        tree = etree.fromstring(page.xhtml.encode("utf-8"))    # raises if not well-formed
        ids = [e.get("id") for e in tree.iter() if e.get("id") is not None]
        assert len(ids) == len(set(ids)), (page.href, sorted(i for i in ids if ids.count(i) > 1))
    for resource in rendered.resources:
        if resource.media_type in ("application/x-dtbncx+xml", "image/svg+xml"):
            etree.fromstring(resource.data)


# -- random Markdown --------------------------------------------------------------------------

def now_and_then(rare, common, percent: int):
    """*rare* in about *percent* % of examples, else *common* (Hypothesis favours 0, so not n == 0)."""
    return st.integers(0, 99).flatmap(lambda n: rare if 40 <= n < 40 + percent else common)


# Any text, control characters and all (but no lone surrogates, which UTF-8 cannot hold);
# control characters only now and then, or nearly every example would stop at them.
PRINTABLE = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=12)
CONTROL = st.text(st.characters(codec="utf-8", categories=("Cc",)), min_size=1, max_size=2)
TEXT = now_and_then(CONTROL, PRINTABLE, 5)
WORD = st.one_of(TEXT, st.sampled_from(["Gluteus", "café", "Straße", "日本語", "עברית", "a & b", "x < y",
                                        "\"q\"", "'s'", "*", "_", "`", "[", "]", "#", "\\", "|", "{", "}"]))
TARGETS = st.sampled_from(["#sec", "02-two.md", "02-two.md#sec", "missing.md", "https://example.com/a?b=1&c=2",
                           "mailto:a@example.com", "clip.mp4", "javascript:alert(1)", "", "../../../etc/passwd",
                           "//example.com/x"])
SOURCES = st.sampled_from(["pic.png", "pic.png \"A caption & more\"", "missing.png", "../../../outside.png",
                           "/etc/passwd", "https://example.com/x.png", "body.toml", "body.toml \"Figure\"",
                           "", "data:image/png;base64,iVBOR", "pic%20x.png", "clip.mp4"])
RAW = st.sampled_from([
    "<b>bold</b>", "<b>", "</b>", "<br>", "<br/>", "<hr>", "<span onclick=\"x()\">tap</span>",
    "<img src=\"pic.png\" alt=\"a\"/>", "<img src=\"pic.png\">", "<img src=\"missing.png\" alt=\"\"/>",
    "&nbsp;", "&eacute;", "&bogus;", "&#0;", "&#x41;", "&#128512;", "&amp;", "&lt;", "<", ">", "&",
    "<!-- comment -->", "<![CDATA[x]]>", "<?pi x?>", "<a href=\"javascript:x\">j</a>", "<script>x()</script>",
    "<link rel=\"stylesheet\" href=\"https://example.com/s.css\"/>", "<div><p>unclosed</div>",
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"><circle r=\"1\"/></svg>",
    "<math xmlns=\"http://www.w3.org/1998/Math/MathML\"><mi>x</mi></math>", "<div>", "</div>", "<p>",
    "<div markdown=\"1\">*md*</div>", "<p style=\"background:url(https://e.com/x.png)\">s</p>",
    "<video src=\"https://example.com/v.mp4\"></video>", "<iframe src=\"x.html\"></iframe>",
    "<custom-tag>x</custom-tag>", "<a name=\"x\" id=\"sec\">dup</a>", "<p id=\"review\">id</p>",
])
INLINE = st.one_of(
    WORD,
    WORD.map(lambda w: f"*{w}*"), WORD.map(lambda w: f"**{w}**"), WORD.map(lambda w: f"`{w}`"),
    st.tuples(WORD, TARGETS).map(lambda t: f"[{t[0]}]({t[1]})"),
    st.tuples(WORD, SOURCES).map(lambda t: f"![{t[0]}]({t[1]})"),
    RAW,
    st.sampled_from(["[^1]", "[^note]", "<https://example.com>", "  \n", "{: #custom }", "{: .cls }"]),
)
LINE_TEXT = st.lists(INLINE, max_size=5).map(" ".join)
BLOCK = st.one_of(
    LINE_TEXT,
    st.tuples(st.integers(1, 6), LINE_TEXT).map(lambda t: "#" * t[0] + " " + t[1]),
    st.sampled_from(["## Review", "## Review", "### Review"]),
    st.lists(LINE_TEXT, min_size=1, max_size=3).map(lambda items: "\n".join(f"- {i}" for i in items)),
    st.lists(LINE_TEXT, min_size=1, max_size=3).map(lambda items: "\n".join(f"1. {i}" for i in items)),
    LINE_TEXT.map(lambda t: f"> {t}"),
    LINE_TEXT.map(lambda t: f"```\n{t}\n```"),
    st.tuples(LINE_TEXT, LINE_TEXT).map(lambda t: f"| a | b |\n|---|---|\n| {t[0]} | {t[1]} |"),
    st.tuples(st.sampled_from(["tip", "caution", "note", "partners", "bogus"]), LINE_TEXT).map(
        lambda t: f"!!! {t[0]} \"Title\"\n    {t[1]}"),
    st.sampled_from([
        "!!! quiz \"Which one?\"\n    - [ ] no\n    - [x] yes\n\n    Because.",
        "!!! quiz \"Broken?\"\n    - [ ] no\n    - [ ] none",
        "!!! quiz\n    - [x] a",
        "!!! gallery \"Views\"\n    ![one](pic.png \"One\")\n    ![two](pic.png \"Two\")",
        "!!! gallery",
        "!!! video \"Clip\"\n    ![poster](pic.png)\n    [Watch](https://example.com/v)",
        "!!! video \"Local\"\n    ![poster](pic.png)\n    [Watch](clip.mp4)",
        "[^1]: A footnote.", "[^note]: Another *note* with [a link](#sec).",
        "Term\n:   Definition", "---", "<div>\nblock\n</div>", "<table><tr><td>x</td></tr></table>",
    ]),
)
CHAPTER = st.tuples(now_and_then(st.just(""), LINE_TEXT.map(lambda t: f"# {t}\n\n"), 8),
                    st.lists(BLOCK, max_size=8)).map(lambda t: t[0] + "\n\n".join(t[1]) + "\n")


@settings(FAST, max_examples=200)
@given(text=CHAPTER)
def test_random_markdown_renders_or_fails_cleanly(text, tmp_path_factory, fast_cover):
    root = make_tree(tmp_path_factory.getbasetemp() / "markdown-root")
    (root / "chapters" / SLUG / "01-one.md").write_text(text, encoding="utf-8")
    result = render(root)
    if isinstance(result, (BookletError, BuildErrors)):
        assert_clean_error(result)
    else:
        assert_well_formed(result)


@settings(FAST, max_examples=60)
@given(raw=st.binary(max_size=60))
def test_random_bytes_as_chapter(raw, tmp_path_factory, fast_cover):
    root = make_tree(tmp_path_factory.getbasetemp() / "bytes-root")
    (root / "chapters" / SLUG / "01-one.md").write_bytes(b"# Title\n\n" + raw)
    result = render(root)
    if isinstance(result, (BookletError, BuildErrors)):
        assert_clean_error(result)
    else:
        assert_well_formed(result)


# -- random booklet.toml and glossary.toml ---------------------------------------------------

def toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


SCALAR = st.one_of(TEXT, st.integers(-2**63, 2**63 - 1), st.floats(), st.booleans())
VALUE = st.recursive(SCALAR, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                     st.dictionaries(TEXT, inner, max_size=2)), max_leaves=6)
ABSENT = object()
GOOD = {     # valid values
    "title": st.one_of(PRINTABLE.filter(str.strip), st.sampled_from(["Demo", "Tom & Jerry <b>", "日本語の本", "ספר"])),
    "author": st.one_of(PRINTABLE.filter(str.strip), st.just("A. Author")),
    "language": st.sampled_from(["en", "en-GB", "de", "he", "ja", "zh-Hans-CN", "es-419"]),
    "date": st.sampled_from(["2026-11-24", "2026", "2026-02"]),
    "series_index": st.one_of(st.integers(0, 10**6), st.floats(0, 1e9)),
    "chapters": st.lists(st.sampled_from(["01-one.md", "02-two.md"]), min_size=1, max_size=2, unique=True),
    "partners": st.lists(st.just("other"), max_size=1),
    "cover": st.just(ABSENT),       # a good cover is a 1600 px image: too slow to make here
    "download_base": st.just("https://example.com/"),
    "scripts": st.booleans(),
    "subjects": st.lists(PRINTABLE.filter(str.strip), max_size=3),
    "identifier": st.sampled_from(["urn:isbn:9780000000000", "urn:uuid:6f0c9d3e-2b3a-5c1e-9f4e-0b6b1e7a2d10"]),
}
BAD = {      # values of the right type that are still wrong
    "language": st.sampled_from(["english", "en_US", "", "x", "EN-gb-", "i-klingon"]),
    "date": st.sampled_from(["2026-02-30", "yesterday", "24.11.2026"]),
    "series_index": st.sampled_from([-1, float("nan"), float("inf")]),
    "chapters": st.lists(st.sampled_from(["missing.md", "../x.md", "/etc/passwd", "", "sub/", "booklet.toml",
                                          "01-one.md"]), max_size=3),
    "partners": st.lists(st.sampled_from(["demo", "nope", "Bad Slug", ""]), min_size=1, max_size=2),
    "cover": st.sampled_from(["pic.png", "missing.png", "../../../x.png", "https://e.com/c.png", ""]),
    "download_base": st.sampled_from(["ftp://x", "https://example.com", ""]),
}
KEYS = sorted(SCHEMA) + ["colour", "booklet", "Title"]


def _key_value(key: str):
    """Mostly a plausible value, sometimes none, now and then anything at all."""
    good = GOOD.get(key, PRINTABLE)
    wrong = st.one_of(BAD[key], VALUE, TEXT) if key in BAD else st.one_of(VALUE, TEXT)
    required = key in ("title", "author", "language")
    return st.integers(0, 99).flatmap(
        lambda n: wrong if 40 <= n < 43 else st.just(ABSENT) if (50 <= n < 52 if required else n >= 50) else good)


TABLE = st.fixed_dictionaries({key: _key_value(key) for key in KEYS}).map(
    lambda table: {k: v for k, v in table.items() if v is not ABSENT})
TERM = st.fixed_dictionaries({
    "name": st.one_of(TEXT, st.sampled_from(["PSIS", "trigger point", "A&B", "p.s.i.s.", "Straße"])),
    "definition": now_and_then(VALUE, TEXT, 5),
}, optional={
    "aliases": now_and_then(VALUE, st.lists(TEXT, max_size=2), 5),
    "extra": VALUE,
})


def config_text(table: dict, breakage: str | None) -> str:
    values = table
    lines = ["[booklet]"] + [f"{toml_string(k)} = {toml_value(v)}" for k, v in values.items()]
    text = "\n".join(lines) + "\n"
    if breakage is not None:
        cut = len(text) // 2
        text = text[:cut] + breakage + text[cut:]
    return text


@settings(FAST, max_examples=100)
@given(table=TABLE,
       breakage=now_and_then(st.sampled_from(["\"", "[", "=", "\n[booklet]\n", "\x00", "\\"]), st.none(), 5),
       terms=st.lists(TERM, max_size=3))
def test_random_config_builds_or_fails_cleanly(table, breakage, terms, tmp_path_factory, fast_cover):
    root = make_tree(tmp_path_factory.getbasetemp() / "config-root")
    folder = root / "chapters" / SLUG
    (folder / "booklet.toml").write_text(config_text(table, breakage), encoding="utf-8")
    (folder / "01-one.md").write_text("# One\n\nA trigger point near the PSIS. ![pic](pic.png)\n", encoding="utf-8")
    if terms:
        glossary = "".join("[[term]]\n" + "".join(f"{toml_string(k)} = {toml_value(v)}\n" for k, v in term.items())
                           for term in terms)
        (folder / "glossary.toml").write_text(glossary, encoding="utf-8")
    other = root / "chapters" / "other"
    other.mkdir()
    (other / "booklet.toml").write_text('[booklet]\ntitle = "Other & <more>"\nauthor = "B"\nlanguage = "de"\n',
                                        encoding="utf-8")
    result = render(root)
    if isinstance(result, (BookletError, BuildErrors)):
        assert_clean_error(result)
    else:
        assert_well_formed(result)


@settings(FAST, max_examples=8)
@given(title=PRINTABLE.filter(str.strip), subtitle=st.one_of(st.none(), PRINTABLE), series=st.one_of(st.none(), PRINTABLE),
       author=PRINTABLE.filter(str.strip))
def test_random_metadata_draws_a_cover(title, subtitle, series, author):
    """The drawn cover copes with any title: RTL, CJK, combining marks, emoji, very long words."""
    from booklet.model import Booklet, Metadata

    meta = Metadata(title=title, author=author, language="en", identifier="urn:x", subtitle=subtitle or None,
                    series=series or None)
    img = DRAW_COVER(Booklet(slug=SLUG, root=Path("."), config_path=Path("booklet.toml"), meta=meta))
    assert img.size == booklet.render.cover.SIZE and img.mode == "RGB"


# -- a few whole random booklets through EPUBCheck, in one batch ------------------------------

def random_booklet(rng: random.Random, root: Path, slug: str) -> None:
    """Write a random but valid booklet: unicode metadata, several chapters of mixed content."""
    words = ["trigger", "point", "café", "Straße", "日本語", "עברית", "A & B", "<tag>", "\"quoted\"", "'single'",
             "muscle", "pain", "release", "Ω", "naïve", "ﬁ"]

    def phrase(n: int = 4) -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(1, n)))

    def md_phrase(n: int = 4) -> str:
        return phrase(n).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    folder = root / "chapters" / slug
    folder.mkdir(parents=True)
    images = root / "images" / slug
    images.mkdir(parents=True)
    (images / "pic.png").write_bytes(PNG)
    (images / "body.png").write_bytes(_png((400, 300)))
    (images / "body.toml").write_text(FIGURE, encoding="utf-8")
    meta = {"title": phrase(6), "author": phrase(2), "language": rng.choice(["en", "de", "he", "ja", "en-GB"]),
            "description": phrase(12), "subtitle": phrase(5), "series": phrase(3), "series_index": rng.randint(1, 9),
            "subjects": [phrase(2) for _ in range(rng.randint(0, 3))], "publisher": phrase(2),
            "date": "2026-11-24"}
    (folder / "booklet.toml").write_text(
        "[booklet]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in meta.items()), encoding="utf-8")
    terms = sorted({rng.choice(["PSIS", "trigger point", "fascia", "Straße"]) for _ in range(3)})
    (folder / "glossary.toml").write_text("".join(
        f"[[term]]\nname = {toml_string(t)}\ndefinition = {toml_string(phrase(8))}\n\n" for t in terms),
        encoding="utf-8")
    for number in range(1, rng.randint(2, 4) + 1):
        blocks = [f"# {md_phrase(5)} {{: #top }}"]
        for _ in range(rng.randint(3, 9)):
            kind = rng.choice(["para", "h2", "list", "image", "figure", "quiz", "note", "footnote", "entity",
                               "table", "link"])
            if kind == "para":
                blocks.append(f"{md_phrase(20)} *{md_phrase(2)}* **{md_phrase(2)}** PSIS trigger point.")
            elif kind == "h2":
                blocks.append(f"## {rng.choice(['Review', 'Review', md_phrase(3)])}")
            elif kind == "list":
                blocks.append("\n".join(f"- {md_phrase(6)}" for _ in range(rng.randint(1, 4))))
            elif kind == "image":
                blocks.append(f"![{md_phrase(3)}](pic.png \"{md_phrase(3)}\")")
            elif kind == "figure" and number == 1:
                blocks.append("![The muscle and its trigger point](body.toml \"The figure\")")
            elif kind == "quiz":
                blocks.append(f"!!! quiz \"{md_phrase(4)}?\"\n    - [ ] {md_phrase(2)}\n    - [x] {md_phrase(2)}\n\n"
                              f"    {md_phrase(8)}")
            elif kind == "note":
                blocks.append(f"!!! {rng.choice(['tip', 'caution', 'note'])} \"{md_phrase(2)}\"\n    {md_phrase(10)}")
            elif kind == "footnote":
                blocks.append(f"{md_phrase(6)}[^n{len(blocks)}]\n\n[^n{len(blocks)}]: {md_phrase(6)}")
            elif kind == "entity":
                blocks.append("Caf&eacute; A&nbsp;B &copy; &mdash; &amp; &lt;ok&gt;")
            elif kind == "table":
                blocks.append(f"| {md_phrase(1)} | {md_phrase(1)} |\n|---|---|\n| {md_phrase(2)} | {md_phrase(2)} |")
            else:
                blocks.append(f"[{md_phrase(2)}](https://example.com/{number}) and [back](#top)")
        (folder / f"{number:02d}-chapter.md").write_text("\n\n".join(blocks) + "\n", encoding="utf-8")


def test_random_booklets_pass_epubcheck(tmp_path):
    """Four random booklets (fixed seeds, so the run is repeatable), one EPUBCheck batch: 0 errors."""
    from booklet.errors import EnvironmentProblem
    from booklet.check.epubcheck import find_java, run_epubcheck

    try:
        find_java()
    except EnvironmentProblem as exc:
        pytest.skip(str(exc))
    epubs = []
    for seed in range(4):
        root = tmp_path / f"root-{seed}"
        slug = f"random-{seed}"
        random_booklet(random.Random(seed), root, slug)
        report = Report()
        rendered = render_booklet(read_booklet(root, slug, report), report)
        assert not report.warnings, [str(w) for w in report.warnings]
        epub = tmp_path / f"{slug}.epub"
        write_epub(rendered, epub)
        epubs.append(epub)
    results = run_epubcheck(epubs)
    problems = {str(r.epub.name): [str(m) for m in r.messages if m.is_error] for r in results}
    assert problems == {e.name: [] for e in epubs}


# -- random raw HTML: what passes the allow-list holds no way to run a script ------------------

HTML_NAMES = st.sampled_from(["p", "div", "span", "a", "img", "svg", "g", "circle", "animate", "set", "math",
                              "mi", "iframe", "object", "embed", "form", "meta", "script", "style", "foreignObject",
                              "details", "video", "marquee", "annotation-xml", "base", "link"])
ATTR_NAMES = st.sampled_from(["id", "class", "href", "src", "style", "onclick", "onload", "OnMouseOver", "srcdoc",
                              "attributeName", "values", "to", "from", "http-equiv", "data-x", "aria-label",
                              "xlink:href", "formaction", "poster", "title", "alt"])
ATTR_VALUES = st.one_of(st.sampled_from([
    "javascript:alert(1)", " JaVaScRiPt:x", "java&#x09;script:x", "java&#10;script:x", "vbscript:x",
    "data:text/html,x", "data:image/png;base64,AA", "#r;javascript:x", "href", "xlink:href", "onclick",
    "url(javascript:x)", "background:url( 'javascript:x' )", "width:expression(x)", "refresh", "#a", "a.png",
    "https://example.com/x.png", "x"]), PRINTABLE.map(lambda t: t.replace('"', "").replace("&", "").replace("<", "")))
SVG_NAMES = {"svg", "g", "circle", "animate", "set", "foreignObject"}
MATH_NAMES = {"math", "mi", "annotation-xml"}


def _element(name: str, attrs: list[tuple[str, str]], children: list[str]) -> str:
    xmlns = (' xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
             if name in SVG_NAMES else ' xmlns="http://www.w3.org/1998/Math/MathML"' if name in MATH_NAMES else "")
    attributes = "".join(f' {k}="{v}"' for k, v in dict(attrs).items() if not (k == "xlink:href" and not xmlns))
    return f"<{name}{xmlns}{attributes}>{''.join(children)}</{name}>"


RAW_TREE = st.recursive(
    st.builds(_element, HTML_NAMES, st.lists(st.tuples(ATTR_NAMES, ATTR_VALUES), max_size=3), st.just([])),
    lambda inner: st.builds(_element, HTML_NAMES, st.lists(st.tuples(ATTR_NAMES, ATTR_VALUES), max_size=3),
                            st.lists(inner, max_size=3)),
    max_leaves=8)
_SCRIPT_NAMES = {"iframe", "object", "embed", "form", "meta", "script", "foreignObject", "base", "link",
                 "annotation-xml", "style"}
_IGNORED = "".join(chr(c) for c in range(33))


_LOADING = {"href", "src", "xlink:href", "values", "to", "from", "poster", "data"}


def _runs_script(name: str, value: str) -> bool:
    plain = value.translate({ord(c): None for c in _IGNORED}).lower()
    if any(s in plain for s in ("javascript:", "vbscript:")) or name == "style" and "expression(" in plain:
        return True
    return name in _LOADING and "data:text" in plain      # an id may say anything; a link may not


@settings(FAST, max_examples=300)
@given(html=RAW_TREE)
def test_raw_html_that_passes_cannot_run_a_script(html):
    """An oracle apart from the allow-list: nothing that passes may hold a script vector."""
    from booklet.render.xhtml import check_safety, local_name, parse_fragment

    tree, problem = parse_fragment(html)
    if problem is not None:
        return
    if check_safety(tree, allow_scripts=False):
        return
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        assert local_name(element) not in _SCRIPT_NAMES, html
        for attr, value in element.attrib.items():
            name = attr.rsplit("}", 1)[-1].lower()
            assert not name.startswith("on") and name not in ("srcdoc", "http-equiv", "formaction"), html
            assert not _runs_script("xlink:href" if attr.endswith("}href") and "xlink" in attr else name, value), html
        if local_name(element) in ("animate", "set"):
            assert (element.get("attributeName") or "").lower() not in ("href", "xlink:href", "onclick"), html


@settings(FAST, max_examples=40)
@given(html=RAW_TREE, before=st.integers(0, 3))
def test_random_raw_html_in_a_chapter_renders_or_fails_cleanly(html, before, tmp_path_factory, fast_cover):
    root = make_tree(tmp_path_factory.getbasetemp() / "raw-html-root")
    text = "# Raw\n\n" + "Text.\n\n" * before + html + "\n"
    (root / "chapters" / SLUG / "01-one.md").write_text(text, encoding="utf-8")
    result = render(root)
    if isinstance(result, (BookletError, BuildErrors)):
        assert_clean_error(result)
        errors = result.errors if isinstance(result, BuildErrors) else [result]
        assert all(e.line is not None for e in errors if str(e.path).endswith("01-one.md")), \
            [str(e) for e in errors]
    else:
        assert_well_formed(result)


# -- TOML nested at any depth: parsed, or an error naming file, line and limit -------------------

OPENERS = st.lists(st.sampled_from(["[", "{a = "]), max_size=3000)


@settings(FAST, max_examples=60)
@given(openers=OPENERS, where=st.sampled_from(["booklet", "glossary", "figure"]))
def test_toml_nested_at_any_depth_reads_or_fails_cleanly(openers, where, tmp_path_factory):
    from booklet.errors import ConfigError
    from booklet.limits import MAX_TOML_NESTING
    from booklet.read.config import read_toml

    closers = "".join("]" if o == "[" else "}" for o in reversed(openers))
    value = "".join(openers) + "1" + closers
    text = {"booklet": f'[booklet]\ntitle = "T"\nsubjects = {value}\n', "glossary": f'[[term]]\nname = {value}\n',
            "figure": f'base = "body.png"\n\n[[marker]]\nid = "a"\nx = {value}\n'}[where]
    path = tmp_path_factory.getbasetemp() / f"nested-{where}.toml"
    path.write_text(text, encoding="utf-8")
    try:
        read_toml(path)
    except ConfigError as exc:
        assert exc.path == path and exc.line is not None
        if len(openers) > MAX_TOML_NESTING:
            assert f"over the limit of {MAX_TOML_NESTING}" in exc.message
    else:
        assert len(openers) <= MAX_TOML_NESTING
