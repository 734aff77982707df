"""The studio's web app: the page, the booklet's files for the reader pane (named by content), state and live events.

Stable URLs (documented in docs/studio.md): ``/read/<slug>/<chapter file>`` opens the reader
at that chapter (``/read/<slug>/<figure file>`` at that figure), ``/figure/<slug>/<figure file>``
the figure editor (:mod:`booklet.studio.editor`) above the reader. The page learns of
rebuilds and findings through server-sent events on ``/api/events``; it is never polled.

The studio listens on 127.0.0.1 unless told otherwise, and it refuses a request whose
``Host`` is not its own (DNS rebinding), whose ``Origin`` is another site's, or that a
browser marks as cross-site: another page open in the same browser cannot drive it.
"""
from __future__ import annotations

import asyncio
import json
import mimetypes
from pathlib import Path

from booklet.publish.web import inside

STATIC = Path(__file__).resolve().parent / "static"
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
CSP = ("default-src 'self'; script-src 'self' blob:; style-src 'self' 'unsafe-inline' blob:; "
       "img-src 'self' blob: data:; font-src 'self' blob: data:; media-src 'self' blob:; "
       "connect-src 'self'; frame-src 'self' blob:; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'none'")
EPUB_TYPES = {".xhtml": "application/xhtml+xml", ".opf": "application/oebps-package+xml",
              ".ncx": "application/x-dtbncx+xml", ".js": "text/javascript", ".css": "text/css",
              ".ttf": "font/ttf", ".otf": "font/otf", ".woff2": "font/woff2", ".svg": "image/svg+xml"}


def allowed_hosts(host: str, port: int) -> set[str] | None:
    """The Host headers the studio answers; None (any) only when bound to a non-loopback address."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        return None
    return {f"{name}:{port}" for name in LOOPBACK}


def refusal(scope_headers: dict, hosts: set[str] | None, method: str) -> str | None:
    """Why a request must be refused, or None: wrong Host, foreign Origin, cross-site fetch."""
    host = scope_headers.get("host", "")
    if hosts is not None and host not in hosts:
        return f"host {host!r} is not this studio's"
    origin = scope_headers.get("origin")
    if origin is not None and origin != f"http://{host}":
        return f"origin {origin!r} is not this studio's"
    if scope_headers.get("sec-fetch-site") == "cross-site":
        return "cross-site request"
    if method not in ("GET", "HEAD") and origin is None:
        return "a change needs the studio's Origin header"
    return None


class Guard:
    """ASGI middleware: refuse requests that do not come from the studio's own pages."""

    def __init__(self, app, hosts: set[str] | None):
        self.app, self.hosts = app, hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            why = refusal(headers, self.hosts, scope["method"])
            if why is not None:
                from starlette.responses import PlainTextResponse

                await PlainTextResponse(f"refused: {why}\n", status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class Events:
    """The open pages' event queues; fed from the build threads."""

    def __init__(self):
        self.queues: set[asyncio.Queue] = set()
        self.loop: asyncio.AbstractEventLoop | None = None

    def publish(self, slug: str) -> None:
        """Tell every page that *slug* changed (safe to call from any thread)."""
        if self.loop is None:
            return
        for queue in list(self.queues):
            self.loop.call_soon_threadsafe(queue.put_nowait, slug)

    async def stream(self, studio, slug: str):
        queue: asyncio.Queue = asyncio.Queue()
        self.queues.add(queue)
        try:
            yield _event(studio.state(slug))
            while True:
                try:
                    changed = await asyncio.wait_for(queue.get(), timeout=20)
                except asyncio.TimeoutError:
                    yield ": still here\n\n"      # keeps proxies and idle timers from closing it
                    continue
                if changed == slug:
                    yield _event(studio.state(slug))
        finally:
            self.queues.discard(queue)


def _event(state: dict) -> str:
    return f"event: state\ndata: {json.dumps(state)}\n\n"


def missing():
    from starlette.responses import PlainTextResponse

    return PlainTextResponse("not found\n", status_code=404)


def html(name: str):
    """A page of the studio, with its Content Security Policy."""
    from starlette.responses import FileResponse

    return FileResponse(STATIC / name, media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"})


class Pages:
    """The reader's handlers: its page, its static files, the booklet's files, state and events."""

    def __init__(self, studio):
        self.studio, self.events = studio, Events()
        studio.listeners.append(self.events.publish)

    def known(self, request) -> str | None:
        slug = request.path_params["slug"]
        return slug if slug in self.studio.booklets else None

    async def home(self, request):
        from starlette.responses import RedirectResponse

        return RedirectResponse(f"/read/{self.studio.slugs[0]}/", status_code=302)

    async def page(self, request):
        return html("studio.html") if self.known(request) else missing()

    async def static(self, request):
        from starlette.responses import FileResponse

        path = inside(STATIC, request.path_params["path"])
        if path is None:
            return missing()
        kind = "text/javascript" if path.suffix == ".js" else mimetypes.guess_type(path.name)[0]
        return FileResponse(path, media_type=kind, headers={"Cache-Control": "no-cache"})

    async def state(self, request):
        from starlette.responses import JSONResponse

        slug = self.known(request)
        return JSONResponse(self.studio.state(slug)) if slug else missing()

    async def book(self, request):
        from starlette.responses import Response

        slug, name = self.known(request), request.path_params["path"]
        data = self.studio.entry(slug, request.path_params["digest"], name) if slug else None
        if data is None:
            return missing()
        kind = EPUB_TYPES.get(Path(name).suffix.lower()) or mimetypes.guess_type(name)[0] or "application/octet-stream"
        return Response(data, media_type=kind, headers={"Cache-Control": "private, max-age=3600, immutable"})

    async def stream(self, request):
        from starlette.responses import StreamingResponse

        slug = self.known(request)
        if slug is None:
            return missing()
        self.events.loop = asyncio.get_running_loop()
        return StreamingResponse(self.events.stream(self.studio, slug), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})

    async def no_icon(self, request):
        from starlette.responses import Response

        return Response(status_code=204)


def make_app(studio, host: str, port: int):
    """The studio's ASGI app for *studio* (a :class:`booklet.studio.session.Studio`)."""
    from starlette.applications import Starlette
    from starlette.routing import Route

    pages = Pages(studio)
    routes = [Route("/", pages.home), Route("/favicon.ico", pages.no_icon), Route("/read/{slug}", pages.page),
              Route("/read/{slug}/{chapter:path}", pages.page), Route("/figure/{slug}/{file:path}", pages.page),
              Route("/static/{path:path}", pages.static), Route("/api/state/{slug}", pages.state),
              Route("/api/events/{slug}", pages.stream), Route("/book/{slug}/{digest}/{path:path}", pages.book)]
    from booklet.studio.editor import editor_routes

    routes += editor_routes(studio)        # the figure editor (issue 19): its data, changes, picture
    app = Starlette(routes=routes)
    app.add_middleware(_Headers)
    return Guard(app, allowed_hosts(host, port))


class _Headers:
    """Headers every studio answer carries."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def sending(message):
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + [
                    (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY")]
            await send(message)

        await self.app(scope, receive, sending if scope["type"] == "http" else send)
