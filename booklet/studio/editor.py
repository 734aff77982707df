"""The figure editor's server side: read a figure file, apply an edit, validate it, write it atomically.

The editor page (``static/editor.js``, on the studio page at ``/figure/<slug>/<figure file>``)
sends each change as a list of operations (:func:`booklet.studio.figdoc.apply_ops`). The new
text is written beside the file under a hidden name, loaded with booklet's own figure loader,
and only if it loads does it replace the file (``os.replace``); otherwise the change is refused
with the loader's message and the file is left as it was. The studio's watcher sees the new
file and rebuilds; the reader pane follows.

Only figure files inside the booklet root's ``images/<slug>/`` are read or written: the path
is resolved and must stay inside that folder and the root, and a figure file that is a
symbolic link is refused. Writing requests pass the studio's Host/Origin guard (app.py).
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from booklet.errors import BookletError, BuildErrors

from .figdoc import Refused, apply_ops, digest, figure_data, written

HISTORY = 50                 # changes that can be undone, per file
MAX_BODY = 256 * 1024        # bytes of one edit request


def figure_file(root: Path, slug: str, name: str) -> Path:
    """The figure file *name* of booklet *slug* under ROOT/images/<slug>/, or a refusal saying why."""
    parts = Path(name).parts
    if (not name or "\\" in name or "\0" in name or Path(name).is_absolute() or ".." in parts
            or any(p.startswith(".") for p in parts) or not name.endswith(".toml")):
        raise Refused(f"{name!r} is not a figure file name of images/{slug}/")
    root = root.resolve()
    folder = root / "images" / slug
    path = folder / name
    if path.is_symlink():
        raise Refused(f"images/{slug}/{name} is a symbolic link; the editor writes only plain files")
    try:
        if folder.resolve() != folder:      # images/<slug> itself a link: it is somewhere else
            raise ValueError
        path.resolve().relative_to(folder)
    except (ValueError, OSError):
        raise Refused(f"images/{slug}/{name} leads out of images/{slug}/") from None
    real = path.resolve()
    if not real.is_file():
        raise Refused(f"images/{slug}/{name} does not exist")
    return real


class FigureEditor:
    """Changes to the figure files of one root, with an undo history per file; thread-safe."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.lock = threading.Lock()
        self.history: dict[Path, list[tuple[str, str]]] = {}      # (text before, text after)
        self.pictures: dict[Path, tuple[tuple, bytes]] = {}

    def shown(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def model(self, slug: str, path: Path) -> dict:
        """The figure as the editor draws it, or its load error."""
        from booklet.figures import load_figure

        text = path.read_bytes()
        url = f"/api/figure-image/{slug}/{digest(text)}/{path.relative_to(self.root / 'images' / slug).as_posix()}"
        data = {"file": self.shown(path), "undo": len(self.history.get(path, []))}
        try:
            fig = load_figure(path)
        except (BookletError, BuildErrors) as exc:
            return data | {"error": str(exc)}
        data |= figure_data(fig, url)
        data["warnings"] = [w.replace(f"{self.root}/", "") for w in data["warnings"]]    # as the root's files
        kept = written(path)
        for table, key in (("marker", "markers"), ("zone", "zones"), ("callout", "callouts")):
            for item, entry in zip(data[key], kept[table]):
                item["written"] = entry
        data["legendIsTable"] = isinstance(kept["legend"], dict)     # the editor leaves a [legend] table alone
        return data

    def picture(self, path: Path) -> bytes:
        """The figure rendered as the build renders it (kept while its file and base are unchanged)."""
        from booklet.commands.figure import _booklet_fonts
        from booklet.figures import load_figure, render_figure

        fig = load_figure(path)
        base = fig.base.stat()
        key = (path.read_bytes(), base.st_mtime_ns, base.st_size)
        kept = self.pictures.get(path)
        if kept is not None and kept[0] == key:
            return kept[1]
        data = render_figure(fig, fonts=_booklet_fonts(path)).data
        self.pictures[path] = (key, data)
        return data

    def change(self, path: Path, ops: list) -> None:
        """Apply *ops* to the file, or refuse (the file unchanged)."""
        with self.lock:
            before = path.read_text(encoding="utf-8")
            after = apply_ops(before, ops)
            if after == before:
                return                  # nothing changed: no write, no step to undo
            self._write(path, after)
            steps = self.history.setdefault(path, [])
            steps.append((before, after))
            del steps[:-HISTORY]

    def undo(self, path: Path) -> None:
        """Put back the text before the editor's last change, if the file is still as it left it."""
        with self.lock:
            steps = self.history.get(path)
            if not steps:
                raise Refused("nothing to undo")
            if path.read_text(encoding="utf-8") != steps[-1][1]:
                steps.clear()
                raise Refused(f"{self.shown(path)} was changed outside the editor since its last change; "
                              "undo it in the editor you changed it with")
            self._write(path, steps[-1][0])
            steps.pop()

    def _write(self, path: Path, text: str) -> None:
        """Validate *text* as the figure file *path* and put it in place atomically."""
        from booklet.figures import load_figure

        temp = path.with_name(f".{path.name}.{os.getpid()}.editor.tmp")   # hidden: the watcher skips it
        try:
            temp.write_text(text, encoding="utf-8")
            try:
                load_figure(temp)
            except (BookletError, BuildErrors) as exc:
                message = str(exc).replace(str(temp), self.shown(path))
                from booklet.errors import display_path

                message = message.replace(display_path(temp), self.shown(path))
                raise Refused(f"refused, {self.shown(path)} left as it was: {message}") from None
            os.chmod(temp, path.stat().st_mode & 0o777)
            os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)


def _edit(editor: FigureEditor, slug: str, path: Path, body: bytes) -> tuple[dict, int]:
    """Make the change or the undo a request asks for: the figure as it now is, or the refusal."""
    try:
        edit = json.loads(body)
        if isinstance(edit, dict) and edit.get("undo") is True:
            editor.undo(path)
        else:
            editor.change(path, edit.get("ops") if isinstance(edit, dict) else None)
    except (Refused, ValueError) as exc:
        return {"refused": str(exc), "figure": editor.model(slug, path)}, 422
    return {"figure": editor.model(slug, path)}, 200


def _not_found():
    from starlette.responses import PlainTextResponse

    return PlainTextResponse("not found\n", status_code=404)


def _picture(editor: FigureEditor, path: Path, asked: str):
    """The figure as the build renders it; cached by the browser while its URL names the file's text."""
    from starlette.responses import Response

    try:
        data = editor.picture(path)
    except (Refused, BookletError, BuildErrors):
        return _not_found()
    media = "image/jpeg" if data[:2] == b"\xff\xd8" else "image/png"
    cache = "private, max-age=3600" if asked == digest(path.read_bytes()) else "no-cache"
    return Response(data, media_type=media, headers={"Cache-Control": cache})


def editor_routes(studio) -> list:
    """The editor's routes: its figure data, its changes and undo, the rendered picture."""
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route

    editor = FigureEditor(studio.root)

    def located(request) -> tuple[str, Path]:
        slug = request.path_params["slug"]
        if slug not in studio.booklets:
            raise Refused(f"no booklet {slug!r} in this studio")
        return slug, figure_file(studio.root, slug, request.path_params["file"])

    def read(request):
        try:
            slug, path = located(request)
        except Refused as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        return JSONResponse(editor.model(slug, path))

    async def write(request):
        if int(request.headers.get("content-length") or 0) > MAX_BODY:
            return PlainTextResponse("refused: an edit is a JSON body of at most 256 KiB\n", status_code=413)
        body = await request.body()
        if request.headers.get("content-type", "").split(";")[0] != "application/json" or len(body) > MAX_BODY:
            return PlainTextResponse("refused: an edit is a JSON body of at most 256 KiB\n", status_code=415)
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(_write, request, body)

    def _write(request, body: bytes):
        try:
            slug, path = located(request)
        except Refused as exc:
            return JSONResponse({"refused": str(exc)}, status_code=404)
        answer, status = _edit(editor, slug, path, body)
        return JSONResponse(answer, status_code=status)

    def picture(request):
        try:
            _, path = located(request)
        except Refused:
            return _not_found()
        return _picture(editor, path, request.path_params["digest"])

    return [Route("/api/figure/{slug}/{file:path}", read, methods=["GET"]),
            Route("/api/figure/{slug}/{file:path}", write, methods=["POST"]),
            Route("/api/figure-image/{slug}/{digest}/{file:path}", picture)]
