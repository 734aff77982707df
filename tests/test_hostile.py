"""A stranger's root, a stranger's EPUB (issue 15): refused with a clear message, nothing run or read."""
from __future__ import annotations

import pytest

from booklet.render.rawlines import first_problem
from booklet.render.xhtml import check_safety, parse_fragment
from booklet.urls import css_runs_script, is_remote, is_script_url, is_url

REFUSED = {
    '<iframe src="a.xhtml"></iframe>': "<iframe> is not allowed",
    '<p><object data="x.swf"></object></p>': "<object> is not allowed",
    '<p><embed src="x.swf"/></p>': "<embed> is not allowed",
    '<form action="https://evil.example/"><p>x</p></form>': "<form> is not allowed",
    '<meta http-equiv="refresh" content="0;url=https://evil.example/"/>': "<meta> is not allowed",
    '<p srcdoc="x">a</p>': "srcdoc= is not allowed",
    '<p onclick="a()">a</p>': "event handler attribute onclick=",
    '<a href="javascript:alert(1)">a</a>': "href= holds a script URL",
    '<a href=" JaVa&#x09;ScRiPt:alert(1)">a</a>': "href= holds a script URL",
    '<a href="vbscript:x">a</a>': "href= holds a script URL",
    '<a href="data:text/html,&lt;script&gt;x&lt;/script&gt;">a</a>': "href= holds a script URL",
    '<p style="background: url(javascript:alert(1))">a</p>': "style= holds a script URL",
    '<p style="width: expression(alert(1))">a</p>': "style attribute that can run a script",
    '<p style="background: url(https://evil.example/x.png)">a</p>': "remote url()",
    '<svg xmlns="http://www.w3.org/2000/svg"><set attributeName="xlink:href" to="javascript:x"/></svg>':
        "<set> may not change the attribute 'xlink:href'",
    '<svg xmlns="http://www.w3.org/2000/svg"><animate attributeName="onclick" values="x"/></svg>':
        "<animate> may not change the attribute 'onclick'",
    '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p>'
    '</foreignObject></svg>': "<foreignObject> is not allowed",
    '<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>': "<script> is not allowed",
    '<svg xmlns="http://www.w3.org/2000/svg" onload="x()"></svg>': "event handler attribute onload=",
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
    '<a x:href="javascript:x()"><text>t</text></a></svg>': "xlink:href= holds a script URL",
    '<math xmlns="http://www.w3.org/1998/Math/MathML"><annotation-xml encoding="text/html"/></math>':
        "<annotation-xml> is not allowed",
    '<p formaction="x">a</p>': "formaction= is not allowed",
    '<img src="a.png" alt="" usemap="#m"/>': "attribute usemap= is not allowed on <img>",
    '<x:thing xmlns:x="urn:x">a</x:thing>': "in the namespace 'urn:x' is not allowed",
    '<marquee>a</marquee>': "<marquee> is not allowed",
    '<button>Send</button>': '<button> is allowed only as type="button"',
    '<button type="submit">Send</button>': '<button> is allowed only as type="button"',
    '<button type="button" formaction="https://evil.example/">x</button>': "formaction= is not allowed",
}

ALLOWED = [
    '<figure class="f" data-x="1" aria-label="a"><img src="a.png" alt="a" width="10"/>'
    '<figcaption>c</figcaption></figure>',
    '<aside epub:type="footnote" role="doc-footnote" id="n1"><p>n</p></aside><a href="#n1">1</a>',
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><g fill="red"><circle r="5"/>'
    '<text x="1" y="2">t<tspan>u</tspan></text></g><animate attributeName="opacity" values="0;1" dur="1s"/>'
    '</svg>',
    '<math xmlns="http://www.w3.org/1998/Math/MathML"><mfrac><mi>a</mi><mn>2</mn></mfrac></math>',
    '<details open="open"><summary>s</summary><p>x</p></details>',
    '<video src="v.mp4" poster="p.png" controls="controls"><p>v</p></video>',
    '<p style="color: red; background: url(images/a.png)">a</p>',
    '<a href="https://example.com/page">an ordinary link</a><a href="mailto:a@example.com">m</a>',
    '<table><tr><th scope="col" colspan="2">h</th></tr></table>',
    '<p xml:lang="de" lang="de" dir="ltr">Tag</p>',
    # Inert: it submits nothing, and only the booklet's own script (the quiz's) gives it work.
    '<button type="button" hidden="hidden" aria-controls="a">Show the answer</button>',
]


def problems_of(html: str, scripts: bool = False) -> list[str]:
    tree, problem = parse_fragment(html)
    assert problem is None, problem
    return [p.message for p in check_safety(tree, scripts)]


@pytest.mark.parametrize("html", list(REFUSED))
def test_markup_outside_the_allow_list_is_refused(html):
    messages = problems_of(html)
    assert any(REFUSED[html] in m for m in messages), messages


@pytest.mark.parametrize("html", ALLOWED)
def test_markup_on_the_allow_list_passes(html):
    assert problems_of(html) == []


def test_scripts_opt_in_allows_scripts_but_not_script_urls():
    assert problems_of('<p onclick="a()">a</p><script src="quiz.js"></script>', scripts=True) == []
    assert problems_of('<a href="javascript:x()">a</a>', scripts=True)
    assert problems_of('<iframe srcdoc="x"></iframe>', scripts=True)


@pytest.mark.parametrize("source, line, words", [
    ("# T\n\n<div class=\"n\">\n\ntext\n\nmore\n", 3, "<div> is never closed"),
    ("# T\n\nA line<br>break.\n", 3, "<br> is not closed"),
    ("# T\n\n<div>\n<p>a\n</div>\n", 4, "<p> is never closed"),
    ("# T\n\ntext</span>\n", 3, "</span> closes a tag that is not open"),
    ("# T\n\n```\n<div>\n```\n\n<br>\n", 7, "<br> is not closed"),
    ("# T\n\n`<div>` in code, then <hr>\n", 3, "<hr> is not closed"),
])
def test_raw_html_problems_are_placed_on_the_source_line(source, line, words):
    found = first_problem(source)
    assert found is not None and found[0] == line and words in found[1], found


def test_well_formed_source_has_no_raw_html_problem():
    source = "# T\n\n<div class=\"n\">\n<p>a<br/>b</p>\n</div>\n\nA <me@example.com> mail, 1 < 2.\n"
    assert first_problem(source) is None


def test_url_rules():
    assert is_url("mailto:a@b") and is_url("//cdn.example/x") and not is_url("images/a.png")
    assert is_remote("https://x/y") and is_remote("//x/y") and not is_remote("mailto:a@b")
    assert is_script_url("\tjava\nscript:x") and is_script_url("data:text/html,x")
    assert not is_script_url("data:image/png;base64,AAAA") and not is_script_url("#a")
    assert css_runs_script("a{b:url( 'javascript:x' )}") and not css_runs_script("a{b:url(x.png)}")


# -- limits: a clear error, checked before the expensive work ---------------------------------


def build_stderr(root, tmp_path, capsys, *extra) -> tuple[int, str]:
    from booklet.cli import main

    status = main(["build", "--root", str(root), "--out", str(tmp_path / "out"), "--no-validate", *extra])
    return status, capsys.readouterr().err


def test_chapter_over_the_size_limit_is_refused_before_markdown(tmp_path, capsys, monkeypatch):
    import markdown

    from booklet.limits import MAX_CHAPTER_BYTES
    from tests.conftest import make_root

    big = "# Big\n\n" + "A sentence of text.\n" * (MAX_CHAPTER_BYTES // 20 + 10)
    root = make_root(tmp_path, {"01-big.md": big})
    converted = []
    real = markdown.Markdown.convert
    monkeypatch.setattr(markdown.Markdown, "convert", lambda self, text: converted.append(len(text)) or
                        real(self, text))
    status, stderr = build_stderr(root, tmp_path, capsys)
    assert status == 1 and "Traceback" not in stderr
    assert f"01-big.md: the chapter is {len(big.encode()):,} bytes, over the limit of {MAX_CHAPTER_BYTES:,}" \
        in stderr
    assert all(n < MAX_CHAPTER_BYTES for n in converted)


def test_nesting_is_measured_outside_code_and_strings():
    from booklet.read.depth import markdown_depth, toml_depth

    assert markdown_depth("# T\n\n- a\n    - b\n        - c\n> > q\n") == (3, 5)
    assert markdown_depth("# T\n\n```\n" + "> " * 99 + "\n```\n")[0] == 0
    assert toml_depth('a = [[1], "[[[[", \'\'\'[[[\n\'\'\']\n# [[[[[\nb = {c = {d = [1]}}\n') == (3, 4)


# -- hostile EPUBs: refused from the central directory, in bounded time and memory ------------


def zip_slip_epub(path):
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("../../../../home/user/.bashrc", "echo owned\n")
        archive.writestr("/etc/cron.d/evil", "* * * * * root id\n")
        archive.writestr("META-INF/container.xml", "<container/>")
    return path


def test_validate_refuses_zip_slip_names(tmp_path, capsys):
    from booklet.cli import main

    epub = zip_slip_epub(tmp_path / "slip.epub")
    status = main(["validate", "--strict", str(epub)])
    out = capsys.readouterr().out
    assert status == 1
    assert "entry '../../../../home/user/.bashrc' climbs out of the archive with .. [f-007]" in out
    assert "entry '/etc/cron.d/evil' has an absolute name [f-007]" in out
    assert "invalid, 2 errors" in out
    assert not (tmp_path / "etc").exists()


def test_epubfile_refuses_before_reading_an_entry(tmp_path, monkeypatch):
    import zipfile

    from booklet.epubfile import EpubFile, UnsafeArchive

    epub = zip_slip_epub(tmp_path / "slip.epub")
    opened = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, *a, **k: opened.append(a) or 1 / 0)
    with pytest.raises(UnsafeArchive) as caught:
        EpubFile(epub)
    assert [p.kind for p in caught.value.problems] == ["name", "name"] and opened == []


def test_entry_reads_stop_at_the_limit(tmp_path):
    import zipfile

    from booklet.epubfile import EpubFile, NotAnEpub

    path = tmp_path / "x.epub"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.txt", bytes(100_000))
    with EpubFile(path) as book:
        assert len(book.read("a.txt")) == 100_000
        with pytest.raises(NotAnEpub, match="over the limit of 1,000"):
            book.read("a.txt", limit=1000)


@pytest.fixture(scope="session")
def bomb_epub(tmp_path_factory):
    """A small EPUB holding one real 2 GiB entry of zeros (deflated to about 2 MB)."""
    import zipfile

    path = tmp_path_factory.mktemp("bomb") / "bomb.epub"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("mimetype", "application/epub+zip")
        info = zipfile.ZipInfo("EPUB/zeros.xhtml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as entry:
            block = bytes(1 << 22)
            for _ in range(512):                 # 512 × 4 MiB = 2 GiB
                entry.write(block)
    return path


@pytest.mark.slow
def test_validate_refuses_a_2_gib_entry_quickly_in_little_memory(bomb_epub):
    """Issue 15: 86 s and 4.2 GB before; now refused from the directory, as a real process."""
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    assert bomb_epub.stat().st_size < 10_000_000
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # A wrapper process, so the peak memory measured is this validate's alone, not the session's.
    wrapper = ("import json, resource, subprocess, sys, time; t = time.perf_counter(); "
               "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "print(json.dumps([p.returncode, p.stdout, p.stderr, time.perf_counter() - t, "
               "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]))")
    proc = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-m", "booklet", "validate",
                           str(bomb_epub)], env=env, capture_output=True, text=True, timeout=120)
    status, stdout, stderr, seconds, rss_mb = json.loads(proc.stdout)
    proc = subprocess.CompletedProcess([], status, stdout, stderr)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "entry 'EPUB/zeros.xhtml' unpacks to 2,147,483,648 bytes, over the limit" in proc.stdout
    assert seconds < 20 and rss_mb < 200, (seconds, rss_mb)


def test_a_foreign_epub_with_a_bomb_cover_does_not_stop_the_build_report(tmp_path, capsys):
    """Issue 15: catalog.make_thumbnail let DecompressionBombError stop the whole build report."""
    import zipfile

    from booklet.cli import main
    from tests.conftest import make_root

    root = make_root(tmp_path, {"01-one.md": "# One\n\nText.\n"})
    other = root / "chapters" / "other"
    other.mkdir()
    (other / "booklet.toml").write_text('[booklet]\ntitle = "Other"\nauthor = "B"\nlanguage = "en"\n')
    (other / "01-two.md").write_text("# Two\n\nText.\n")
    out = tmp_path / "dist"
    assert main(["build", "--root", str(root), "--out", str(out), "--no-validate"]) == 0
    built = out / "other.epub"
    with zipfile.ZipFile(built) as archive:
        entries = {i.filename: archive.read(i) for i in archive.infolist()}
    cover = next(name for name in entries if "/cover." in name and name.endswith(".png"))
    entries[cover] = (REPO_CASES / "image-bomb-header" / "root" / "images" / "demo" / "bomb.png").read_bytes()
    built.unlink()
    with zipfile.ZipFile(built, "w") as archive:            # a stranger's EPUB under a known name
        for name, data in entries.items():
            archive.writestr(name, data)
    capsys.readouterr()
    status = main(["build", "demo", "--root", str(root), "--out", str(out), "--no-validate"])
    captured = capsys.readouterr()
    assert status == 0 and "Traceback" not in captured.err
    assert "other.epub: the catalog shows no cover: the cover is" in captured.err
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Other" in index and "covers/other.jpg" not in index


def test_make_thumbnail_refuses_a_bomb_without_decoding_it():
    from booklet.publish.catalog import CoverUnusable, make_thumbnail

    bomb = (REPO_CASES / "image-bomb-header" / "root" / "images" / "demo" / "bomb.png").read_bytes()
    with pytest.raises(CoverUnusable, match="over the limit|decompression bomb"):
        make_thumbnail(bomb)


REPO_CASES = __import__("pathlib").Path(__file__).resolve().parent / "cases" / "errors"


# -- wrong output without a word: now right ------------------------------------------------------


@pytest.mark.parametrize("fmt", ["WEBP", "GIF"])
def test_cover_in_another_format_is_converted_to_png(fmt, tmp_path, capsys):
    """Issue 15: a WebP cover was stored as cover.png with type image/webp; a GIF failed PKG-022."""
    import io
    import zipfile

    from lxml import etree
    from PIL import Image

    from tests.conftest import make_root

    image = Image.new("RGB", (1600, 2400), (200, 30, 40))
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    toml = '[booklet]\ntitle = "Demo"\nauthor = "A"\nlanguage = "en"\ncover = "cover-art.img"\n'
    root = make_root(tmp_path, {"01-one.md": "# One\n\nText.\n"}, toml=toml,
                     files={"images/demo/cover-art.img": buffer.getvalue()})
    status, stderr = build_stderr(root, tmp_path, capsys)
    assert status == 0, stderr
    with zipfile.ZipFile(tmp_path / "out" / "demo.epub") as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
        item = next(i for i in opf.iter("{http://www.idpf.org/2007/opf}item")
                    if "cover-image" in (i.get("properties") or ""))
        data = archive.read("EPUB/" + item.get("href"))
    assert item.get("media-type") == "image/png" and item.get("href").endswith(".png")
    with Image.open(io.BytesIO(data)) as cover:
        assert cover.format == "PNG" and cover.size == (1600, 2400)
        pixel = cover.convert("RGB").getpixel((800, 1200))
        assert all(abs(a - b) <= 3 for a, b in zip(pixel, (200, 30, 40))), pixel    # WebP is lossy


def test_extract_to_unpacks_only_inside_the_folder(tmp_path):
    """The preview's unpacking, through the checked reader: names stay inside the folder."""
    import zipfile

    from booklet.epubfile import EpubFile

    path = tmp_path / "ok.epub"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/epub+zip")
        archive.writestr("EPUB/a/b.xhtml", "<p/>")
    folder = tmp_path / "unzipped"
    with EpubFile(path) as book:
        book.extract_to(folder)
    found = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert found == ["ok.epub", "unzipped/EPUB/a/b.xhtml", "unzipped/mimetype"]


def test_a_hostile_template_leaves_the_previous_epub_as_it_was(tmp_path, capsys):
    import os
    import subprocess
    import sys

    from tests.conftest import REPO, make_root

    root = make_root(tmp_path, {"01-one.md": "# One\n\nText.\n"})
    status, stderr = build_stderr(root, tmp_path, capsys)
    assert status == 0, stderr
    epub = tmp_path / "out" / "demo.epub"
    before = epub.read_bytes()
    (root / "templates").mkdir()
    (root / "templates" / "chapter.xhtml.j2").write_text(
        "{{ lipsum.__globals__['os'].popen('echo owned > owned.txt').read() }}\n", encoding="utf-8")
    # A new process, as when the root arrives (in one process the template hash is memoised: issue 14).
    proc = subprocess.run([sys.executable, "-m", "booklet", "build", "--root", str(root), "--out",
                           str(tmp_path / "out"), "--no-validate"], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "templates/chapter.xhtml.j2:1: template tried something the sandbox forbids" in proc.stderr
    assert epub.read_bytes() == before
    assert not list(tmp_path.rglob("owned.txt"))


def test_template_includes_are_checked_once_each_however_often_included(tmp_path):
    """Ten levels of ten includes each would be 10**9 walks without memory; each is walked once."""
    import time

    from booklet.errors import TemplateError
    from booklet.render.theme import check_includes, make_environment

    templates = tmp_path / "templates"
    templates.mkdir()
    for level in range(9):
        (templates / f"t{level}.j2").write_text(f'{{% include "t{level + 1}.j2" %}}' * 10, encoding="utf-8")
    (templates / "t9.j2").write_text("end", encoding="utf-8")
    env = make_environment(tmp_path)
    started = time.perf_counter()
    check_includes(env, "t0.j2")
    assert time.perf_counter() - started < 5
    (templates / "t9.j2").write_text('{% include "t3.j2" %}', encoding="utf-8")
    with pytest.raises(TemplateError, match="includes itself"):
        check_includes(env, "t0.j2")


def test_one_table_of_what_an_element_loads():
    """The chapter check, the lint's x-004 and s-003 all ask urls.loaded_urls (issue 14: three tables)."""
    from lxml import etree

    from booklet.urls import loaded_urls

    tree = etree.fromstring(
        '<div xmlns="http://www.w3.org/1999/xhtml"><video src="v.mp4" poster="p.png"/>'
        '<img src="a.png" srcset="a1.png 1x, a2.png 2x"/><link rel="alternate" href="x.html"/>'
        '<link rel="stylesheet" href="s.css"/><object data="o.svg"/>'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<image xlink:href="i.png"/></svg></div>')
    found = [url for element in tree.iter() for _, url in loaded_urls(element)]
    assert found == ["v.mp4", "p.png", "a.png", "a1.png", "a2.png", "s.css", "o.svg", "i.png"]
