"""The download catalog: index.html, opds.xml and the cover thumbnails, read back from the EPUBs."""
from __future__ import annotations

import io
import shutil
import warnings
import zipfile
from pathlib import Path

import feedparser
import lxml.html
import pytest
from lxml import etree
from PIL import Image

from booklet.publish.catalog import EPUB_TYPE, OPDS_TYPE, format_date, format_size, write_catalog
from booklet.pipeline import BuildOptions, build
from conftest import REPO, SHIPPED, make_root

ATOM = "{http://www.w3.org/2005/Atom}"
DEMO_TOML = """[booklet]
title = "Demo Two"
subtitle = "A sub & title"
author = "A. Author"
language = "en"
description = "Tap <b>here</b> & there."
series = "Demo Series"
series_index = 2
subjects = ["Trigger points"]
"""
OTHER_TOML = """[booklet]
title = "Another One"
author = "B. Author"
language = "de"
series = "Demo Series"
series_index = 1
"""
_FOLDERS: dict[str, tuple[Path, Path, tuple[str, ...]]] = {}


def demo_root(tmp_path: Path) -> Path:
    """Write a root with two small booklets: 'demo' (series index 2) and 'other' (index 1)."""
    root = make_root(tmp_path, {"01-a.md": "# Alpha chapter\n\nText.\n\n## A section\n\nMore.\n",
                                "02-b.md": "# Beta chapter\n\nText.\n"}, toml=DEMO_TOML)
    folder = root / "chapters" / "other"
    folder.mkdir()
    (root / "images" / "other").mkdir()
    (folder / "booklet.toml").write_text(OTHER_TOML, encoding="utf-8")
    (folder / "01-eins.md").write_text("# Eins\n\nText.\n", encoding="utf-8")
    return root


def catalog_folder(shipped_build, tmp_path_factory) -> tuple[Path, Path, tuple[str, ...]]:
    """Return (root, out, slugs) of a built catalog: the shipped booklets', else a small demo's."""
    if "folder" not in _FOLDERS:
        if all(shipped_build[slug].epub for slug in SHIPPED):
            out = shipped_build[SHIPPED[0]].epub.parent
            if not (out / "index.html").is_file():
                write_catalog(REPO, out, list(shipped_build.values()))
            _FOLDERS["folder"] = (REPO, out, SHIPPED)
        else:
            warnings.warn("the shipped booklets did not build; the catalog is tested on a small demo root")
            root = demo_root(tmp_path_factory.mktemp("catalog"))
            build(BuildOptions(root=root, out=root / "dist", validate=False, cache=False, jobs=1))
            _FOLDERS["folder"] = (root, root / "dist", ("demo", "other"))
    return _FOLDERS["folder"]


@pytest.fixture(scope="module")
def catalog(shipped_build, tmp_path_factory):
    return catalog_folder(shipped_build, tmp_path_factory)


def opf_identifier(epub: Path) -> str:
    with zipfile.ZipFile(epub) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
    return opf.findtext("{*}metadata/{http://purl.org/dc/elements/1.1/}identifier")


def test_feed_lists_every_booklet_with_its_acquisition_link(catalog):
    root, out, slugs = catalog
    feed = feedparser.parse((out / "opds.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert {link.rel: link.type for link in feed.feed.links}["self"] == OPDS_TYPE
    assert {link.rel: link.type for link in feed.feed.links}["start"] == OPDS_TYPE
    assert len(feed.entries) == len(slugs)
    by_href = {}
    for entry in feed.entries:
        links = {link.rel: link for link in entry.links}
        acquisition = links["http://opds-spec.org/acquisition"]
        assert acquisition.type == EPUB_TYPE
        assert links["http://opds-spec.org/image"].href == links["http://opds-spec.org/image/thumbnail"].href
        assert (out / links["http://opds-spec.org/image"].href).is_file()
        by_href[acquisition.href] = entry
    assert set(by_href) == {f"{slug}.epub" for slug in slugs}
    for slug in slugs:
        entry = by_href[f"{slug}.epub"]
        assert entry.id == opf_identifier(out / f"{slug}.epub")
        assert entry.title and entry.updated and entry.author


def test_feed_head_and_entry_fields(catalog):
    _, out, slugs = catalog
    feed = etree.parse(str(out / "opds.xml")).getroot()
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id").startswith("urn:uuid:")
    updated = [e.findtext(f"{ATOM}updated") for e in feed.findall(f"{ATOM}entry")]
    assert feed.findtext(f"{ATOM}updated") == max(updated)
    assert feed.findtext(f"{ATOM}author/{ATOM}name")
    for entry in feed.findall(f"{ATOM}entry"):
        assert entry.findtext("{http://purl.org/dc/terms/}language")
        # Relative hrefs: the folder works on any static host.
        assert all("://" not in link.get("href") for link in entry.findall(f"{ATOM}link"))


def test_index_is_well_formed_accessible_html(catalog):
    _, out, slugs = catalog
    data = (out / "index.html").read_bytes()
    etree.fromstring(data)                     # polyglot: well-formed XML as well as HTML5
    page = lxml.html.document_fromstring(data)
    assert data.startswith(b"<!DOCTYPE html>")
    assert page.get("lang") == "en"
    assert not page.xpath("//script")
    assert len(page.xpath("//h1")) == 1
    levels = [int(h.tag[1]) for h in page.xpath("//h1|//h2|//h3|//h4|//h5|//h6")]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:]))
    assert all(img.get("alt") for img in page.xpath("//img"))
    alternate = page.xpath("//link[@rel='alternate']")[0]
    assert alternate.get("type") == OPDS_TYPE and alternate.get("href") == "opds.xml"
    assert page.xpath("//meta[@name='viewport']")


def test_index_has_a_download_link_per_booklet(catalog):
    _, out, slugs = catalog
    page = lxml.html.parse(str(out / "index.html")).getroot()
    links = page.xpath("//a[@download]")
    assert sorted(a.get("href") for a in links) == sorted(f"{slug}.epub" for slug in slugs)
    assert all(a.get("type") == EPUB_TYPE for a in links)
    for slug in slugs:
        article = page.xpath(f"//a[@href='{slug}.epub']/ancestor::article")[0]
        assert article.xpath(".//h2") and article.xpath(".//details/summary")
        assert article.xpath(".//details/ol/li")
        assert "KiB" in article.text_content() or "MiB" in article.text_content()
        assert article.xpath(".//time/@datetime")


def test_cover_thumbnails_are_400px_jpegs(catalog):
    _, out, slugs = catalog
    for slug in slugs:
        with Image.open(out / "covers" / f"{slug}.jpg") as image:
            assert image.format == "JPEG" and image.width == 400


def test_catalog_is_deterministic_and_not_rewritten(catalog, tmp_path):
    root, out, slugs = catalog
    copy = tmp_path / "out"
    shutil.copytree(out, copy)
    for name in ("index.html", "opds.xml", *(f"covers/{slug}.jpg" for slug in slugs)):
        (copy / name).unlink()
    write_catalog(root, copy)
    names = ("index.html", "opds.xml", *(f"covers/{slug}.jpg" for slug in slugs))
    assert all((copy / n).read_bytes() == (out / n).read_bytes() for n in names)
    stamps = [(copy / n).stat().st_mtime_ns for n in names]
    write_catalog(root, copy)
    assert [(copy / n).stat().st_mtime_ns for n in names] == stamps


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A built demo root of two booklets, built without EPUBCheck (the catalog does not need it)."""
    root = demo_root(tmp_path_factory.mktemp("demo"))
    build(BuildOptions(root=root, out=root / "dist", validate=False, cache=False, jobs=1))
    return root


def test_order_fields_and_escaping(demo):
    entries = write_catalog(demo, demo / "dist")
    assert [e.slug for e in entries] == ["other", "demo"]          # series index, then title
    first = entries[1]
    assert (first.title, first.subtitle, first.author, first.language) == (
        "Demo Two", "A sub & title", "A. Author", "en")
    assert first.chapters == ("Alpha chapter", "Beta chapter")    # no title page, no sections
    assert first.series == "Demo Series" and first.series_index == 2
    html = (demo / "dist" / "index.html").read_text(encoding="utf-8")
    assert "Tap &lt;b&gt;here&lt;/b&gt; &amp; there." in html
    assert '<div lang="de">' in html
    feed = feedparser.parse((demo / "dist" / "opds.xml").read_bytes())
    assert feed.feed.title == "Demo Series"


def test_building_one_booklet_still_lists_the_others(demo, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(demo, root)
    (root / "dist" / "index.html").unlink()
    build(BuildOptions(root=root, out=root / "dist", slugs=["demo"], validate=False, cache=False, jobs=1))
    page = lxml.html.parse(str(root / "dist" / "index.html")).getroot()
    assert sorted(page.xpath("//a[@download]/@href")) == ["demo.epub", "other.epub"]


def test_damaged_epub_is_left_out_with_a_warning(demo, tmp_path):
    from booklet.pipeline import BookletResult

    out = tmp_path / "out"
    shutil.copytree(demo / "dist", out)
    (out / "demo.epub").write_bytes(b"not a zip")
    result = BookletResult("demo")
    entries = write_catalog(demo, out, [result])
    assert [e.slug for e in entries] == ["other"]
    assert "left out of the catalog" in str(result.warnings[0])


def test_empty_folder_gives_an_empty_catalog(demo, tmp_path):
    entries = write_catalog(demo, tmp_path)
    assert entries == []
    assert "No booklets have been built yet" in (tmp_path / "index.html").read_text(encoding="utf-8")
    feed = feedparser.parse((tmp_path / "opds.xml").read_bytes())
    assert not feed.bozo and feed.entries == []


def test_transparent_cover_is_flattened_on_white():
    from booklet.publish.catalog import make_thumbnail

    buffer = io.BytesIO()
    Image.new("RGBA", (800, 1200), (0, 0, 0, 0)).save(buffer, "PNG")
    data, size = make_thumbnail(buffer.getvalue())
    assert size == (400, 600)
    with Image.open(io.BytesIO(data)) as image:
        assert min(image.getpixel((10, 10))) > 245
    assert make_thumbnail(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None


@pytest.mark.parametrize("size, text", [(500, "1 KiB"), (150_000, "146 KiB"), (3_250_000, "3.1 MiB")])
def test_format_size(size, text):
    assert format_size(size) == text


def test_format_date():
    assert format_date("2026-11-24T15:30:27Z") == "24 November 2026"


def test_a_broken_catalog_template_is_reported_once_by_a_build_with_workers(demo, tmp_path, capsys,
                                                                           monkeypatch):
    """The catalog's templates are compiled in a thread while the workers build; a broken one
    must still be reported with its file and line, once, and never as a thread's traceback."""
    import threading

    from booklet.cli import main

    escaped = []
    monkeypatch.setattr(threading, "excepthook", escaped.append)

    root = tmp_path / "root"
    shutil.copytree(demo, root, ignore=shutil.ignore_patterns("dist", ".cache"))
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "index.html.j2").write_text("<p>{% if %}</p>\n", encoding="utf-8")
    code = main(["build", "--root", str(root), "--no-validate", "-j", "2"])
    err = capsys.readouterr().err
    assert code != 0
    assert err.count("templates/index.html.j2:1: template syntax error") == 1, err
    assert "Traceback" not in err and escaped == []
