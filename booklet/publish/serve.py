"""Serve the output folder read-only, so a tablet on the same network can download the booklets.

On the kept web stack of :mod:`booklet.publish.web`: downloads answer ``Range`` requests
(206) so a tablet can resume one; folders are never listed (a folder with an
``index.html`` shows it); dotfiles and temporary files such as ``.x.epub.tmp`` are never
served; nothing outside the folder is reached, links included.
"""
from __future__ import annotations

import mimetypes
import socket
import sys
from pathlib import Path

from booklet.publish.catalog import EPUB_TYPE, OPDS_TYPE
from booklet.publish.web import WebServer, bind, inside

# Any private address will do: connecting a UDP socket only picks the outgoing interface.
_PROBE = ("10.255.255.255", 1)
MEDIA_TYPES = {".epub": EPUB_TYPE, ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
               ".xml": "application/xml", ".jpg": "image/jpeg", ".png": "image/png", ".json": "application/json"}


def media_type(path: Path) -> str:
    """The Content-Type of a served file: EPUB and OPDS by name, the rest by extension."""
    if path.name == "opds.xml":
        return OPDS_TYPE
    return MEDIA_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def find(folder: Path, url_path: str) -> Path | None:
    """The file a URL path names in *folder*: a folder gives its index.html, never a listing."""
    if url_path.endswith("/"):
        url_path += "index.html"
    found = inside(folder, url_path)
    if found is None and (folder / url_path.lstrip("/")).is_dir():
        found = inside(folder, url_path.rstrip("/") + "/index.html")
    return found


def make_app(folder: Path, log: bool = True):
    """The ASGI app serving *folder*: GET and HEAD only, no-cache so rebuilt booklets are fetched."""
    from starlette.applications import Starlette
    from starlette.responses import FileResponse, PlainTextResponse
    from starlette.routing import Route

    folder = Path(folder).resolve()

    async def serve_file(request):
        path = find(folder, request.url.path)
        if path is None:
            return PlainTextResponse("not found\n", status_code=404)
        return FileResponse(path, media_type=media_type(path), headers={"Cache-Control": "no-cache"})

    app = Starlette(routes=[Route("/{path:path}", serve_file, methods=["GET", "HEAD"])])
    return _Log(app) if log else app


class _Log:
    """Print one line per answered request, with the status actually sent (206 for a range)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        status = []

        async def sending(message):
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, sending)
        client = scope["client"][0] if scope.get("client") else "-"
        print(f"{client} {scope['method']} {scope['path']} {status[0] if status else '-'}", file=sys.stderr)


def make_server(out: Path, host: str = "0.0.0.0", port: int = 8000, log: bool = True) -> WebServer:
    """Return a server for folder *out*, bound but not yet serving; port 0 picks a free port."""
    return WebServer(make_app(out, log), bind(host, port))


def lan_addresses() -> list[str]:
    """Return this machine's IPv4 addresses other than loopback; sends no packets."""
    found: list[str] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(_PROBE)
            found.append(probe.getsockname()[0])
        except OSError:
            pass   # no route at all: offline machine
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        infos = []
    found += [info[4][0] for info in infos]
    return sorted({a for a in found if not a.startswith(("127.", "0."))}, key=found.index)


def server_urls(host: str, port: int) -> list[str]:
    """Return the URLs that reach a server bound to *host*: this machine's and the LAN's."""
    if host in ("", "0.0.0.0"):
        return [f"http://localhost:{port}/"] + [f"http://{a}:{port}/" for a in lan_addresses()]
    shown = f"[{host}]" if ":" in host else host
    return [f"http://{shown}:{port}/"]
