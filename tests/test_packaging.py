"""Packaging: plain zipfile, one ZipInfo per entry, package files from templates (issue 14)."""
from __future__ import annotations

import dataclasses
import threading
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from lxml import etree

from booklet.errors import Report
from booklet.package.epub import write_epub
from booklet.read.reader import read_booklet
from booklet.render.booklet import render_booklet
from tests.conftest import REPO

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}


@pytest.fixture(scope="module")
def rendered():
    return render_booklet(read_booklet(REPO, "gluteus-medius", Report()), Report())


def _write(rendered, path: Path) -> bytes:
    write_epub(rendered, path)
    return path.read_bytes()


def test_threads_write_the_bytes_of_a_lone_build(rendered, tmp_path):
    """Two books with different times written at once each keep their own time (was: a class attribute)."""
    books = [rendered, dataclasses.replace(rendered, modified="2001-02-03T04:05:06Z")]
    lone = [_write(book, tmp_path / f"lone-{i}.epub") for i, book in enumerate(books)]
    assert lone[0] != lone[1]
    for round_ in range(6):
        got = [None, None]

        def work(i):
            got[i] = _write(books[i], tmp_path / f"r{round_}-{i}.epub")

        threads = [threading.Thread(target=work, args=(i,)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert got == lone, f"round {round_}"


def test_zip_entries(rendered, tmp_path):
    with zipfile.ZipFile(BytesIO(_write(rendered, tmp_path / "a.epub"))) as archive:
        infos = archive.infolist()
    assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
    names = [i.filename for i in infos[1:]]
    assert names == sorted(names) and "META-INF/container.xml" in names
    day, time = rendered.modified.rstrip("Z").split("T")
    expected = [int(x) for x in day.split("-") + time.split(":")]
    expected[5] -= expected[5] % 2          # a zip stores time in two-second steps
    assert {i.date_time for i in infos} == {tuple(expected)}
    assert {i.external_attr >> 16 for i in infos} == {0o644}


def test_opf_for_readers(unzipped):
    opf = etree.parse(str(unzipped["gluteus-medius"] / "EPUB" / "content.opf"))
    cover = opf.xpath("/opf:package/opf:guide/opf:reference[@type='cover']/@href", namespaces=NS)
    assert cover == ["cover.xhtml"]
    assert opf.xpath("//opf:meta[@name='calibre:series']/@content", namespaces=NS) == \
        opf.xpath("//opf:meta[@property='belongs-to-collection']/text()", namespaces=NS) != []
    assert opf.xpath("//opf:meta[@name='calibre:series_index']/@content", namespaces=NS) == ["1"]
    titles = opf.xpath("//dc:title", namespaces=NS)
    kinds = [opf.xpath(f"//opf:meta[@refines='#{t.get('id')}'][@property='title-type']/text()",
                       namespaces=NS) for t in titles]
    assert kinds == [["main"], ["subtitle"]]
    assert ":" not in titles[0].text          # the main title alone, the subtitle apart
    assert opf.getroot().get("{http://www.w3.org/XML/1998/namespace}lang") == "en"


def test_no_ebooklib_private_hooks():
    source = (REPO / "booklet" / "package" / "epub.py").read_text(encoding="utf-8")
    assert "_write_opf_file" not in source and "_compressor" not in source and "ebooklib" not in \
        source.split('"""', 2)[2]
