"""``booklet serve``: the HTTP server, its media types, its refusal to leave the folder, and the page in Chromium."""
from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from booklet.publish.catalog import EPUB_TYPE, OPDS_TYPE
from booklet.publish.serve import lan_addresses, make_server, server_urls
from conftest import REPO, SHIPPED
from test_catalog import catalog_folder

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
SECRET = b"outside the served folder"


@pytest.fixture(scope="module")
def catalog(shipped_build, tmp_path_factory):
    return catalog_folder(shipped_build, tmp_path_factory)


def start(folder: Path):
    """Start a server for *folder* on a free port of 127.0.0.1; return it and its port."""
    server = make_server(folder, "127.0.0.1", 0, log=False).start()
    return server, server.port


def stop(server) -> None:
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def served(catalog, tmp_path_factory):
    """Serve a copy of the catalog folder, with a secret file beside it that must never leak."""
    base = tmp_path_factory.mktemp("served")
    folder = base / "dist"
    shutil.copytree(catalog[1], folder)
    (base / "secret.txt").write_bytes(SECRET)
    server, port = start(folder)
    yield folder, port, catalog[2]
    stop(server)


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """Send *path* exactly as given (no client-side normalising) and return status, headers, body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_epubs_download_byte_for_byte(served):
    folder, port, slugs = served
    for slug in slugs:
        status, headers, body = get(port, f"/{slug}.epub")
        assert status == 200
        assert headers["content-type"] == EPUB_TYPE
        assert body == (folder / f"{slug}.epub").read_bytes()


def test_catalog_media_types(served):
    folder, port, slugs = served
    status, headers, body = get(port, "/opds.xml")
    assert (status, headers["content-type"]) == (200, OPDS_TYPE)
    status, headers, body = get(port, "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert body == (folder / "index.html").read_bytes()
    status, headers, _ = get(port, f"/covers/{slugs[0]}.jpg")
    assert (status, headers["content-type"]) == (200, "image/jpeg")


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
                                  "/..%2fsecret.txt", "/covers/../../secret.txt", "//../secret.txt",
                                  "/covers/%2e%2e/%2e%2e/secret.txt", "/..\\secret.txt"])
def test_paths_outside_the_folder_are_refused(served, path):
    _, port, _ = served
    status, _, body = get(port, path)
    assert status in (400, 404)
    assert SECRET not in body


def test_symlinks_leading_out_are_refused(tmp_path):
    folder = tmp_path / "dist"
    folder.mkdir()
    (tmp_path / "secret.txt").write_bytes(SECRET)
    os.symlink(tmp_path / "secret.txt", folder / "link.txt")
    (folder / "inside.txt").write_bytes(b"fine")
    server, port = start(folder)
    try:
        assert get(port, "/link.txt")[0] == 404
        assert get(port, "/inside.txt")[2] == b"fine"
    finally:
        stop(server)


def test_a_range_request_gets_206_and_those_bytes(served):
    folder, port, slugs = served
    whole = (folder / f"{slugs[0]}.epub").read_bytes()
    status, headers, body = get(port, f"/{slugs[0]}.epub", {"Range": "bytes=100-1099"})
    assert status == 206
    assert headers["content-range"] == f"bytes 100-1099/{len(whole)}"
    assert body == whole[100:1100]
    status, headers, body = get(port, f"/{slugs[0]}.epub", {"Range": f"bytes={len(whole) - 10}-"})
    assert (status, body) == (206, whole[-10:])
    assert get(port, f"/{slugs[0]}.epub", {"Range": f"bytes={len(whole) + 5}-"})[0] == 416


@pytest.mark.parametrize("name", [".gluteus-medius.k2j3.epub.tmp", "half.epub.tmp", ".hidden", "notes~"])
def test_hidden_and_temporary_files_are_not_served(tmp_path, name):
    folder = tmp_path / "dist"
    (folder / ".cache").mkdir(parents=True)
    (folder / ".cache" / "x.json").write_bytes(SECRET)
    (folder / name).write_bytes(SECRET)
    server, port = start(folder)
    try:
        for path in (f"/{name}", "/.cache/x.json", "/.cache/", "/%2ecache/x.json"):
            status, _, body = get(port, path)
            assert status == 404 and SECRET not in body, path
    finally:
        stop(server)


def test_folders_are_never_listed(served):
    folder, port, slugs = served
    for path in ("/covers/", "/covers"):
        status, _, body = get(port, path)
        assert status == 404
        assert f"{slugs[0]}.jpg".encode() not in body


@pytest.mark.parametrize("port", ["99999", "0", "-1", "65536"])
def test_a_port_out_of_range_is_a_clear_error(tmp_path, capsys, port):
    from booklet.cli import main

    assert main(["serve", "--root", str(tmp_path), "--port", port]) == 1
    err = capsys.readouterr().err
    assert f"--port {port} is not a TCP port" in err and "1 to 65535" in err
    assert "Traceback" not in err and "Overflow" not in err


def test_a_connection_that_never_finishes_its_request_is_closed(tmp_path, monkeypatch):
    from booklet.publish import web

    monkeypatch.setattr(web, "HEAD_SECONDS", 0.3)
    (tmp_path / "index.html").write_text("hi", encoding="utf-8")
    server, port = start(tmp_path)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as slow:
            slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            started = time.monotonic()
            assert slow.recv(100) == b""          # closed by the server, with no answer
            assert time.monotonic() - started < 3
    finally:
        stop(server)


IDLE = 1100


@pytest.mark.slow
def test_a_client_is_answered_while_1100_idle_connections_are_open(tmp_path):
    """Issue 15: with the usual 1,024 open files, 1,100 half-sent requests shut everyone out."""
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>ok</title>", encoding="utf-8")
    limit = "import resource; resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024)); "
    code = limit + "from booklet.cli import main; main()"
    server = subprocess.Popen([sys.executable, "-c", code, "serve", "--root", str(tmp_path), "--out", str(tmp_path),
                               "--host", "127.0.0.1", "--port", str(free_port())],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    idle: list[socket.socket] = []
    try:
        port = int(next(line for line in server.stdout if "127.0.0.1:" in line).rsplit(":", 1)[1].strip("/\n "))
        for _ in range(IDLE):
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            idle.append(connection)
        started = time.monotonic()
        status, _, body = get(port, "/")
        assert (status, body) == (200, (tmp_path / "index.html").read_bytes())
        assert time.monotonic() - started < 5
    finally:
        for connection in idle:
            connection.close()
        server.terminate()
        server.wait(10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_urls_for_a_tablet():
    assert all(not a.startswith("127.") for a in lan_addresses())
    urls = server_urls("0.0.0.0", 8000)
    assert urls[0] == "http://localhost:8000/"
    assert all(u.startswith("http://") and u.endswith(":8000/") for u in urls)
    assert server_urls("192.168.1.5", 8080) == ["http://192.168.1.5:8080/"]


class FakeServer:
    """Stands in for the HTTP server: Ctrl-C arrives as soon as it starts serving."""

    server_address = ("0.0.0.0", 8000)
    closed = False

    def serve_forever(self):
        raise KeyboardInterrupt

    def server_close(self):
        self.closed = True


def serve_args(root: Path, out: Path) -> types.SimpleNamespace:
    return types.SimpleNamespace(root=root, out=out, host="0.0.0.0", port=8000)


def test_ctrl_c_stops_cleanly(tmp_path, monkeypatch, capsys):
    from booklet.commands import serve

    (tmp_path / "index.html").write_text("<!DOCTYPE html>", encoding="utf-8")
    fake = FakeServer()
    monkeypatch.setattr("booklet.publish.serve.make_server", lambda out, host, port: fake)
    assert serve.run(serve_args(tmp_path, tmp_path)) == 0
    out, err = capsys.readouterr()
    assert "http://localhost:8000/" in out and "stopped" in err
    assert fake.closed


def test_builds_first_when_there_is_no_catalog(tmp_path, monkeypatch, capsys):
    from booklet.commands import serve

    built = []

    def fake_build(options):
        built.append(options)
        options.out.mkdir()
        (options.out / "index.html").write_text("<!DOCTYPE html>", encoding="utf-8")
        return []

    # Imported before the patch: a first import under it would bind the fake into
    # booklet.commands.build for every later test of the session.
    import booklet.commands.build  # noqa: F401

    monkeypatch.setattr("booklet.pipeline.build", fake_build)
    monkeypatch.setattr("booklet.publish.serve.make_server", lambda out, host, port: FakeServer())
    assert serve.run(serve_args(tmp_path, tmp_path / "dist")) == 0
    assert built and built[0].out == tmp_path / "dist"
    assert "building first" in capsys.readouterr().err


def test_cli_knows_serve():
    from booklet.cli import make_parser

    args = make_parser().parse_args(["serve", "--port", "0"])
    assert (args.host, args.port, args.out) == ("0.0.0.0", 0, None)


def contrast(fg: list[float], bg: list[float]) -> float:
    """Return the WCAG contrast ratio of two sRGB colours given as 0–255 triples."""
    def luminance(rgb):
        parts = [c / 255 for c in rgb]
        parts = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
        return 0.2126 * parts[0] + 0.7152 * parts[1] + 0.0722 * parts[2]
    light, dark = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# Each text element's colour and the first opaque background behind it, as RGB triples.
COLOURS_JS = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const background = el => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const picks = 'h1, .masthead p, h2, .subtitle, .description, .facts dt, .facts dd, .download, summary, .colophon a';
  return [...document.querySelectorAll(picks)].map(el => ({
    what: el.className || el.tagName, fg: rgb(getComputedStyle(el).color).slice(0, 3), bg: background(el)}));
}"""

TARGETS_JS = """() => [...document.querySelectorAll('a, summary')].map(el => {
  const box = el.getBoundingClientRect();
  return {what: el.textContent.trim().slice(0, 30), height: box.height, width: box.width};
})"""


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_page(browser, url: str, scheme: str):
    """Open *url* at iPad portrait size, recording errors and any request not to 127.0.0.1."""
    context = browser.new_context(viewport={"width": 820, "height": 1180}, color_scheme=scheme)
    page = context.new_page()
    problems, elsewhere = [], []

    def route(request_route):
        if request_route.request.url.startswith("http://127.0.0.1:"):
            request_route.continue_()
        else:
            elsewhere.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(url, wait_until="load")
    return context, page, problems, elsewhere


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_page_in_chromium(browser, served, scheme, tmp_path):
    _, port, slugs = served
    context, page, problems, elsewhere = open_page(browser, f"http://127.0.0.1:{port}/", scheme)
    try:
        assert problems == [] and elsewhere == []
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 820
        assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        for item in page.evaluate(COLOURS_JS):
            assert contrast(item["fg"], item["bg"]) >= 4.5, item
        for target in page.evaluate(TARGETS_JS):
            assert target["height"] >= 44, target
        page.keyboard.press("Tab")
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineWidth")
        assert float(outline.rstrip("px")) >= 2
        page.keyboard.press("Shift+Tab")
        shot = screenshot_path(slugs, scheme, tmp_path)
        page.screenshot(path=str(shot), full_page=True)
    finally:
        context.close()


def screenshot_path(slugs, scheme: str, tmp_path: Path) -> Path:
    """Return where the screenshot goes: the README's docs/img/catalog.png only when asked.

    Tests must not rewrite tracked files on every run; BOOKLET_SAVE_SCREENSHOTS=1 refreshes it.
    """
    if scheme == "light" and tuple(slugs) == SHIPPED and os.environ.get("BOOKLET_SAVE_SCREENSHOTS"):
        (REPO / "docs" / "img").mkdir(parents=True, exist_ok=True)
        return REPO / "docs" / "img" / "catalog.png"
    return tmp_path / f"catalog-{scheme}.png"


def test_each_request_is_logged_with_the_status_sent(tmp_path, capfd):
    (tmp_path / "a.epub").write_bytes(b"0123456789")
    server = make_server(tmp_path, "127.0.0.1", 0).start()
    try:
        assert get(server.port, "/a.epub", {"Range": "bytes=2-4"})[2] == b"234"
        assert get(server.port, "/gone.epub")[0] == 404
    finally:
        stop(server)
    err = capfd.readouterr().err
    assert "127.0.0.1 GET /a.epub 206" in err and "127.0.0.1 GET /gone.epub 404" in err
