"""Shared fixtures: the shipped booklets are built (and EPUBCheck-validated) once per test session."""
from __future__ import annotations

import contextlib
import shutil
import zipfile
from pathlib import Path

import pytest

from booklet.pipeline import BuildOptions, build

REPO = Path(__file__).resolve().parent.parent
SHIPPED = ("gluteus-medius", "quadratus-lumborum")


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory):
    """Build every shipped booklet once, strict, with EPUBCheck, into a session folder."""
    out = tmp_path_factory.mktemp("dist")
    results = build(BuildOptions(root=REPO, out=out, strict=True))
    return {r.slug: r for r in results}


@pytest.fixture(scope="session")
def shipped_epubs(shipped_build):
    """Paths of the built shipped EPUBs, by slug; fails if any booklet did not build."""
    failed = {slug: [str(e) for e in r.errors] + [str(w) for w in r.warnings]
              for slug, r in shipped_build.items() if not r.epub}
    assert not failed, failed
    return {slug: r.epub for slug, r in shipped_build.items()}


@pytest.fixture(scope="session")
def unzipped(shipped_epubs, tmp_path_factory):
    """The shipped EPUBs unzipped, by slug."""
    folders = {}
    for slug, epub in shipped_epubs.items():
        folder = tmp_path_factory.mktemp(f"unzipped-{slug}")
        with zipfile.ZipFile(epub) as archive:
            archive.extractall(folder)
        folders[slug] = folder
    return folders


def make_root(tmp_path: Path, chapters: dict[str, str], toml: str | None = None,
              slug: str = "demo", files: dict[str, bytes] | None = None) -> Path:
    """Write a small booklet root for a test: chapters by file name, extra files by path."""
    root = tmp_path / "root"
    folder = root / "chapters" / slug
    folder.mkdir(parents=True)
    (root / "images" / slug).mkdir(parents=True)
    (folder / "booklet.toml").write_text(toml or '[booklet]\ntitle = "Demo"\nauthor = "A. Author"\n'
                                                 'language = "en"\n', encoding="utf-8")
    for name, text in chapters.items():
        (folder / name).write_text(text, encoding="utf-8")
    for name, data in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


@pytest.fixture
def copy_repo_root(tmp_path):
    """A copy of the repository's booklet root (chapters, images, templates) to modify."""
    root = tmp_path / "repo"
    for name in ("chapters", "images", "templates"):
        shutil.copytree(REPO / name, root / name)
    return root


@contextlib.contextmanager
def running_studio(root: Path, slug: str, validate: bool = True):
    """A studio on *root* serving on 127.0.0.1 with its watcher: yields (Studio, base URL)."""
    from booklet.publish.web import WebServer, bind
    from booklet.studio.app import make_app
    from booklet.studio.session import Studio
    from booklet.studio.watch import start_watching

    session = Studio(root, [slug], validate=validate)
    session.rebuild()
    stop = start_watching(session)
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = WebServer(make_app(session, "127.0.0.1", port), sock).start()
    try:
        yield session, f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        session.close()


def studio_epub(session, slug: str) -> bytes:
    """The studio's current version of *slug* zipped as an EPUB (mimetype first, stored)."""
    import io

    entries = session.booklets[slug].entries
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), entries["mimetype"])
        for name, data in entries.items():
            if name != "mimetype":
                archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# One browser per test module. Module scope, not session: while Playwright's sync API runs,
# the main thread counts as inside an event loop and asyncio.run() raises, so the browser
# must be gone before other test modules run.
@pytest.fixture(scope="module")
def chromium(request):
    from booklet.errors import EnvironmentProblem
    from booklet.publish.preview import browser, find_chromium

    try:
        find_chromium()
    except EnvironmentProblem as exc:
        pytest.fail(f"{exc}: {request.module.__name__} needs the system Chromium", pytrace=False)
    with browser() as instance:
        yield instance
