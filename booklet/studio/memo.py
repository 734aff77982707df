"""Rendered figures kept between the studio's rebuilds, keyed by the bytes of their inputs.

A one-process build renders every figure of a chapter again when the chapter changes
(0.1–0.2 s a figure): too slow for "save, and see it within half a second". The studio
lives on between builds, so it keeps each figure file's last rendering and reuses it while
the figure file's bytes and its base image's size and time are unchanged.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def install() -> bool:
    """Wrap the figure jobs' load-and-render with the memo, once per process; False if not possible."""
    from booklet.figures import jobs

    original = getattr(jobs, "_load_and_render", None)
    if original is None or getattr(original, "studio_memo", False):
        return original is not None
    memo: dict[Path, tuple[bytes, tuple | None, object]] = {}
    lock = threading.Lock()

    def load_and_render(path: Path, *more):
        # (*more: the booklet's fonts since figures draw text in its language; part of the key)
        source = (Path(path).read_bytes(), more)
        with lock:
            kept = memo.get(path)
        if kept is not None and kept[0] == source and _stamp(kept[2][0].base) == kept[1]:
            return kept[2]
        result = original(path, *more)
        with lock:
            memo[path] = (source, _stamp(result[0].base), result)
        return result

    load_and_render.studio_memo = True
    jobs._load_and_render = load_and_render
    return True
