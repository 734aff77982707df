"""The build cache: nothing changed → nothing redone; one chapter edited → only it re-rendered;
either way the EPUB is byte-identical to a clean build."""
from __future__ import annotations

import hashlib

import booklet.render as render
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
