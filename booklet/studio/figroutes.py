"""The figure editor's routes: its page, a figure file's data and picture, and changes to it.

``/figure/<slug>/<file>`` is the editor. The picture is the build's own rendering of the
figure (so what the author drags over is what the reader will see); changes arrive as small
JSON requests, are made with :mod:`booklet.studio.figedit` and written only when the figure
file they make is valid; the watcher then rebuilds the booklet as for any save.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

from booklet.publish.web import inside

MAX_CHANGE_BYTES = 64 * 1024


def find_figure(root: Path, slug: str, name: str) -> Path | None:
    """The figure file *name* of booklet *slug*, where the build looks for it, if it is there."""
    if not name.endswith(".toml"):
        return None
    for folder in (root / "images" / slug, root / "chapters" / slug):
        found = inside(folder, name) if folder.is_dir() else None
        if found is not None:
            return found
    return None


def rendered(path: Path) -> tuple[bytes, int, int]:
    """The figure as the build draws it: PNG bytes, width and height."""
    from booklet.figures import jobs

    load_and_render = getattr(jobs, "_load_and_render", None)
    if load_and_render is None:
        from booklet.figures.load import load_figure
        from booklet.figures.render import render_figure

        figure = load_figure(path)
        image = render_figure(figure)
    else:
        figure, image = load_and_render(path)
    return image.data, image.width, image.height


class FigureEditor:
    """The editor's handlers for one studio; changes to one file at a time."""

    def __init__(self, studio, page):
        self.studio, self.page = studio, page
        self.histories: dict[Path, list[str]] = {}
        self.lock = threading.Lock()

    def located(self, request) -> Path | None:
        slug = request.path_params["slug"]
        if slug not in self.studio.booklets:
            return None
        return find_figure(self.studio.root, slug, request.path_params["file"])

    async def editor(self, request):
        return self.page("figure.html") if self.located(request) else _missing()

    async def data(self, request):
        from starlette.responses import JSONResponse

        from booklet.studio import figedit

        path = self.located(request)
        if path is None:
            return _missing()
        try:
            found = figedit.figure_data(path)
        except (OSError, ValueError) as exc:
            return JSONResponse({"error": f"{path.name}: {exc}"}, status_code=422)
        slug, name = request.path_params["slug"], request.path_params["file"]
        return JSONResponse({**found, "name": name, "reader": f"/read/{slug}/{name}",
                             "image": f"/api/figure-image/{slug}/{name}?t={path.stat().st_mtime_ns}"})

    async def picture(self, request):
        from starlette.responses import PlainTextResponse, Response

        from booklet.errors import BookletError

        path = self.located(request)
        if path is None:
            return _missing()
        try:
            png, _, _ = rendered(path)
        except BookletError as exc:
            return PlainTextResponse(f"{exc}\n", status_code=422)
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-cache"})

    async def change(self, request):
        from starlette.responses import JSONResponse

        from booklet.errors import BookletError
        from booklet.studio import figedit

        path, body = self.located(request), await request.body()
        if path is None:
            return _missing()
        if len(body) > MAX_CHANGE_BYTES:
            return JSONResponse({"error": "change too large"}, status_code=413)
        try:
            wanted = json.loads(body)
            if not isinstance(wanted, dict):
                raise ValueError("not an object")
            with self.lock:
                figedit.save(path, wanted, self.histories.setdefault(path, []))
        except ValueError as exc:
            return JSONResponse({"error": f"not a change: {exc}"}, status_code=400)
        except BookletError as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        return JSONResponse({"ok": True})


def _missing():
    from starlette.responses import PlainTextResponse

    return PlainTextResponse("not found\n", status_code=404)


def figure_routes(studio, page) -> list:
    """The routes of the figure editor for *studio*; *page* answers with a static HTML page."""
    from starlette.routing import Route

    editor = FigureEditor(studio, page)
    return [Route("/figure/{slug}/{file:path}", editor.editor),
            Route("/api/figure/{slug}/{file:path}", editor.data),
            Route("/api/figure/{slug}/{file:path}", editor.change, methods=["POST"]),
            Route("/api/figure-image/{slug}/{file:path}", editor.picture)]
