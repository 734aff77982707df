"""The build cache: nothing changed → nothing redone; one chapter edited → only it re-rendered;
either way the EPUB is byte-identical to a clean build."""
from __future__ import annotations

import hashlib

import booklet.render.booklet as render
from booklet.pipeline import BuildOptions, build
from tests.conftest import REPO


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_no_change_and_one_edit(copy_repo_root, tmp_path, monkeypatch):
    root, out = copy_repo_root, tmp_path / "out"
    options = BuildOptions(root=root, out=out, validate=False, jobs=1)
    first = {r.slug: r for r in build(options)}
    assert not any(r.cached for r in first.values())

    again = {r.slug: r for r in build(options)}
    assert all(r.cached for r in again.values())
    assert digest(out / "gluteus-medius.epub") == digest(first["gluteus-medius"].epub)

    rendered = []
    original = render._render_chapter_entry
    monkeypatch.setattr(render, "_render_chapter_entry",
                        lambda env, booklet, chapter, *a, **k: rendered.append(chapter.path.name)
                        or original(env, booklet, chapter, *a, **k))
    chapter = root / "chapters" / "gluteus-medius" / "03-overload.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    edited = {r.slug: r for r in build(options)}
    assert rendered == ["03-overload.md"]
    assert edited["quadratus-lumborum"].cached and not edited["gluteus-medius"].cached

    clean = tmp_path / "clean"
    build(BuildOptions(root=root, out=clean, validate=False, jobs=1, cache=False))
    assert digest(out / "gluteus-medius.epub") == digest(clean / "gluteus-medius.epub")


def test_no_cache_still_stores(copy_repo_root, tmp_path):
    options = BuildOptions(root=copy_repo_root, out=tmp_path / "out", slugs=["quadratus-lumborum"],
                           validate=False, cache=False)
    assert not build(options)[0].cached
    options.cache = True
    assert build(options)[0].cached
    assert REPO != copy_repo_root


def _age(root, seconds=120):
    """Date every source file back, as files edited before a build are (not in its clock tick)."""
    import os
    import time

    past = time.time_ns() - seconds * 1_000_000_000
    for path in root.rglob("*"):
        if path.is_file() and ".cache" not in path.parts:
            os.utime(path, ns=(past, past))


def test_stamps_reuse_without_reading(copy_repo_root, tmp_path, monkeypatch):
    """Nothing touched since the last build: reused from the stamps, no booklet read at all."""
    import booklet.pipeline as pipeline

    root, out = copy_repo_root, tmp_path / "out"
    _age(root)
    options = BuildOptions(root=root, out=out, validate=False, jobs=1)
    first = {r.slug: r for r in build(options)}
    index_time = (out / "index.html").stat().st_mtime_ns

    def no_reading(*args, **kwargs):
        raise AssertionError("a stamped booklet was read")

    monkeypatch.setattr(pipeline, "read_booklet", no_reading)
    again = {r.slug: r for r in build(options)}
    assert all(r.stamped and r.cached for r in again.values())
    assert again["gluteus-medius"].made.chapters == first["gluteus-medius"].made.chapters
    assert again["gluteus-medius"].size == (out / "gluteus-medius.epub").stat().st_size
    assert (out / "index.html").stat().st_mtime_ns == index_time      # the catalog was left alone

    # Wanting a validated EPUB: a stamp of an unvalidated build is not enough.
    with_validation = BuildOptions(root=root, out=out, validate=True, jobs=1)
    assert pipeline._unchanged("gluteus-medius", out.resolve(), pipeline.Stamps(root.resolve()), with_validation) is None


def test_stamps_see_every_kind_of_change(copy_repo_root, tmp_path):
    import os

    import booklet.pipeline as pipeline

    root, out = copy_repo_root.resolve(), (tmp_path / "out").resolve()
    _age(root)
    options = BuildOptions(root=root, out=out, validate=False, jobs=1)
    build(options)

    def stamped(slug="gluteus-medius"):
        return pipeline._unchanged(slug, out, pipeline.Stamps(root), options) is not None

    assert stamped()
    chapter = root / "chapters" / "gluteus-medius" / "03-overload.md"
    info = chapter.stat()
    # Same size, new time (a touch, or an edit that kept the length): not trusted.
    os.utime(chapter, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    assert not stamped()
    # A touch without a change: the content cache reuses it, and stamps it again.
    result = {r.slug: r for r in build(options)}["gluteus-medius"]
    assert result.cached and not result.stamped
    assert stamped()
    # A time in the stamp's own clock tick or later cannot be told apart from an edit made then.
    future = os.stat(root / ".cache" / "booklet" / "stamps" / "gluteus-medius.json").st_mtime_ns
    os.utime(chapter, ns=(future, future))
    assert not stamped()
    _age(root)
    build(options)
    assert stamped()
    # A new file, a partner's config, the EPUB in place, a template.
    (root / "images" / "gluteus-medius" / "new.png").write_bytes(b"not used yet")
    assert not stamped()
    (root / "images" / "gluteus-medius" / "new.png").unlink()
    assert stamped()
    partner = root / "chapters" / "quadratus-lumborum" / "booklet.toml"
    partner.write_text(partner.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert not stamped()
    _age(root)
    build(options)
    assert stamped()
    (out / "gluteus-medius.epub").write_bytes(b"replaced by hand")
    assert not stamped()
    build(options)
    assert stamped()
    (root / "templates" / "style.css").write_text("/* edited */\n", encoding="utf-8")
    assert not stamped() and not stamped("quadratus-lumborum")


def test_catalog_rewritten_when_an_epub_changes(copy_repo_root, tmp_path):
    root, out = copy_repo_root, tmp_path / "out"
    _age(root)
    options = BuildOptions(root=root, out=out, validate=False, jobs=1)
    build(options)
    (out / "index.html").unlink()
    build(options)
    assert (out / "index.html").is_file()
    chapter = root / "chapters" / "quadratus-lumborum" / "02-anatomy.md"
    text = chapter.read_text(encoding="utf-8")
    assert text.startswith("# Anatomy and Function\n")
    chapter.write_text(text.replace("# Anatomy and Function", "# Anatomy, Renamed", 1), encoding="utf-8")
    results = {r.slug: r for r in build(options)}
    assert not results["quadratus-lumborum"].cached and results["gluteus-medius"].stamped
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Anatomy, Renamed" in index          # the catalog was written again, with the new title


def test_files_linked_out_of_their_folder_are_not_hashed(tmp_path):
    """A link out of a booklet's folder is refused by the reader; the cache must not read it either."""
    from booklet.incremental.cache import _tree

    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"x")
    folder = tmp_path / "images" / "demo"
    folder.mkdir(parents=True)
    (folder / "own.png").write_bytes(b"png")
    (folder / "link.png").symlink_to(outside)
    (folder / "inner.png").symlink_to(folder / "own.png")        # a link that stays inside is fine
    assert [p.name for p in _tree(folder)] == ["inner.png", "own.png"]
