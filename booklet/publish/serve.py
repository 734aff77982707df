"""A small static file server for the output folder, so a tablet on the same network can download."""
from __future__ import annotations

import functools
import os
import socket
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from booklet.publish.catalog import EPUB_TYPE, OPDS_TYPE

# Any private address will do: connecting a UDP socket only picks the outgoing interface.
_PROBE = ("10.255.255.255", 1)


class CatalogHandler(SimpleHTTPRequestHandler):
    """Serve one folder read-only, with EPUB and OPDS media types and quiet log lines."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".epub": EPUB_TYPE,
                      ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8"}
    server_version = "booklet"

    def version_string(self) -> str:
        return self.server_version

    def guess_type(self, path) -> str:
        if os.path.basename(path) == "opds.xml":
            return OPDS_TYPE
        return super().guess_type(path)

    def send_head(self):
        # translate_path already drops ".." segments; this also refuses symlinks that lead out.
        if not _inside(Path(self.translate_path(self.path)), Path(self.directory)):
            self.send_error(404, "File not found")
            return None
        return super().send_head()

    def end_headers(self) -> None:
        # Rebuilt booklets keep their names: make readers revalidate instead of keeping old copies.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")

    def log_request(self, code="-", size="-") -> None:
        self.log_message("%s %s", self.requestline.split(" HTTP/")[0], getattr(code, "value", code))

    def log_error(self, format: str, *args) -> None:
        pass   # log_request already shows the status of every answered request


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


class CatalogServer(ThreadingHTTPServer):
    """A threading server that shrugs off readers closing the connection mid-download."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def make_server(out: Path, host: str = "0.0.0.0", port: int = 8000) -> CatalogServer:
    """Return a server for folder *out*, bound but not yet serving; port 0 picks a free port."""
    handler = functools.partial(CatalogHandler, directory=str(Path(out).resolve()))
    return CatalogServer((host, port), handler)


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
