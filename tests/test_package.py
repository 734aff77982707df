"""The packaged EPUB, checked by namespace-aware XPath on the unzipped shipped booklets."""
from __future__ import annotations

import hashlib
import zipfile

import pytest
from lxml import etree
from PIL import Image

from booklet.pipeline import BuildOptions, build
from tests.conftest import REPO, SHIPPED

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "h": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "ncx": "http://www.daisy.org/z3986/2005/ncx/"}


def opf(folder):
    return etree.parse(str(folder / "EPUB" / "content.opf"))


def meta(tree, prop):
    return tree.xpath(f"//opf:meta[@property='{prop}']/text()", namespaces=NS)


@pytest.mark.parametrize("slug", SHIPPED)
def test_epubcheck_strict_passes(shipped_build, slug):
    result = shipped_build[slug]
    assert result.errors == [] and result.warnings == []
    assert result.validation == "valid"


@pytest.mark.parametrize("slug", SHIPPED)
def test_metadata(unzipped, slug):
    tree = opf(unzipped[slug])
    package = tree.getroot()
    assert package.get("version") == "3.0"
    uid = package.get("unique-identifier")
    assert tree.xpath(f"//dc:identifier[@id='{uid}']/text()", namespaces=NS)[0].startswith("urn:uuid:")
    assert tree.xpath("//dc:title[@id='title']/text()", namespaces=NS)[0].startswith("Trigger Point Therapy for")
    assert tree.xpath("//dc:language/text()", namespaces=NS) == ["en"]
    assert tree.xpath("//dc:creator/text()", namespaces=NS) == ["The booklet project"]
    for key in ("publisher", "rights", "description", "subject"):
        assert tree.xpath(f"//dc:{key}/text()", namespaces=NS), key
    assert meta(tree, "belongs-to-collection") == ["Trigger Point Therapy Booklets"]
    modified = meta(tree, "dcterms:modified")
    assert len(modified) == 1 and modified[0].endswith("Z")


@pytest.mark.parametrize("slug", SHIPPED)
def test_accessibility_metadata(unzipped, slug):
    tree = opf(unzipped[slug])
    assert set(meta(tree, "schema:accessMode")) == {"textual", "visual"}
    assert "alternativeText" in meta(tree, "schema:accessibilityFeature")
    assert "tableOfContents" in meta(tree, "schema:accessibilityFeature")
    assert meta(tree, "schema:accessibilityHazard") == ["none"]
    assert meta(tree, "schema:accessibilitySummary")
    assert meta(tree, "dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert meta(tree, "ibooks:specified-fonts") == ["true"]


@pytest.mark.parametrize("slug", SHIPPED)
def test_manifest_properties_match_content(unzipped, slug):
    folder = unzipped[slug]
    for item in opf(folder).xpath("//opf:item[@media-type='application/xhtml+xml']", namespaces=NS):
        page = etree.parse(str(folder / "EPUB" / item.get("href")))
        props = set((item.get("properties") or "").split())
        assert ("scripted" in props) == bool(page.xpath("//h:script", namespaces=NS)), item.get("href")
        assert ("svg" in props) == bool(page.xpath("//*[local-name()='svg']")), item.get("href")
    cover = opf(folder).xpath("//opf:item[@properties='cover-image']/@href", namespaces=NS)
    with Image.open(folder / "EPUB" / cover[0]) as img:
        assert img.size[0] >= 1600 and img.size[1] >= 2400


@pytest.mark.parametrize("slug", SHIPPED)
def test_nav_lists_every_spine_page(unzipped, slug):
    folder = unzipped[slug]
    package = opf(folder)
    hrefs = {i.get("id"): i.get("href") for i in package.xpath("//opf:item", namespaces=NS)}
    spine = [hrefs[r] for r in package.xpath("//opf:itemref/@idref", namespaces=NS)]
    nav = etree.parse(str(folder / "EPUB" / "nav.xhtml"))
    toc = nav.xpath("//h:nav[@epub:type='toc']/h:ol/h:li/h:a/@href", namespaces=NS)
    assert toc == [h for h in spine if h not in ("cover.xhtml", "nav.xhtml")]
    landmarks = nav.xpath("//h:nav[@epub:type='landmarks']//h:a/@epub:type", namespaces=NS)
    assert {"cover", "toc", "bodymatter", "glossary"} <= set(landmarks)
    ncx = etree.parse(str(folder / "EPUB" / "toc.ncx"))
    assert ncx.xpath("//ncx:content/@src", namespaces=NS) == toc


@pytest.mark.parametrize("slug", SHIPPED)
def test_images_are_png_or_jpeg_srgb_under_limit(unzipped, slug):
    images = list((unzipped[slug] / "EPUB" / "images").iterdir())
    assert images
    for path in images:
        with Image.open(path) as img:
            assert img.format in ("PNG", "JPEG"), path.name
            assert img.mode in ("RGB", "RGBA", "P", "L", "LA"), (path.name, img.mode)
            assert img.size[0] * img.size[1] <= 4_000_000, path.name
            assert "icc_profile" not in img.info or b"sRGB" in img.info["icc_profile"], path.name
        assert path.stat().st_size <= 1_500_000, path.name


@pytest.mark.parametrize("slug", SHIPPED)
def test_zip_layout(shipped_epubs, slug):
    with zipfile.ZipFile(shipped_epubs[slug]) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert archive.read("mimetype") == b"application/epub+zip"
        assert all(not n.startswith("/") and ".." not in n.split("/") for n in archive.namelist())
        # Compressed media are stored as they are; text and fonts are deflated.
        kinds = {info.filename.rsplit(".", 1)[-1]: info.compress_type for info in archive.infolist()[1:]}
        assert kinds["png"] == zipfile.ZIP_STORED
        assert kinds["xhtml"] == kinds["ttf"] == kinds["css"] == zipfile.ZIP_DEFLATED


def test_rebuild_is_byte_identical(shipped_epubs, tmp_path):
    """Two more builds (without EPUBCheck) give the same bytes as the validated session build."""
    digests = set()
    for name in ("a", "b"):
        build(BuildOptions(root=REPO, out=tmp_path / name, validate=False))
        digests.add(tuple(hashlib.sha256((tmp_path / name / f"{s}.epub").read_bytes()).hexdigest()
                          for s in SHIPPED))
    digests.add(tuple(hashlib.sha256(shipped_epubs[s].read_bytes()).hexdigest() for s in SHIPPED))
    assert len(digests) == 1


def test_source_map_names_every_generated_file(shipped_build):
    mapping = shipped_build["gluteus-medius"].made.source_map
    assert mapping["EPUB/content.opf"]["source"] == "chapters/gluteus-medius/booklet.toml"
    assert mapping["EPUB/chapter-04.xhtml"]["source"] == "chapters/gluteus-medius/04-trigger-points.md"
    assert mapping["EPUB/chapter-04.xhtml"]["lines"]
    assert mapping["EPUB/images/overview.png"]["source"] == "images/gluteus-medius/overview.toml"
    assert mapping["EPUB/images/ball-wall.png"]["source"] == "images/gluteus-medius/ball-wall.png"
    assert mapping["EPUB/images/cover.png"]["source"] == "chapters/gluteus-medius/booklet.toml"
