"""Render a booklet's figure files ahead of need, in threads.

Pillow releases the GIL in its heavy operations (fills, compositing, encoding), so figures
rendered in threads use every core without a process pool; the Markdown pass then only
waits for results that are mostly ready.
"""
from __future__ import annotations

import os
import re
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from booklet.figures.load import load_figure
from booklet.figures.fonts import TextFonts
from booklet.figures.model import Figure, RenderedImage
from booklet.figures.render import render_figure

_FIGURE_REF = re.compile(r"\]\(\s*<?([^)\s>]+\.toml)")


def _load_and_render(path: Path, fonts: TextFonts | None) -> tuple[Figure, RenderedImage]:
    figure = load_figure(path)
    return figure, render_figure(figure, fonts=fonts)


class FigureJobs:
    """Futures of (figure, rendered image) by resolved path; errors surface on ``get``."""

    def __init__(self, workers: int | None = None, fonts: TextFonts | None = None):
        self.fonts = fonts                # the booklet's fonts, for text drawn in its language
        self._pool = ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1)
        self._jobs: dict[Path, Future] = {}

    def prefetch(self, path: Path) -> None:
        if path not in self._jobs:
            self._jobs[path] = self._pool.submit(_load_and_render, path, self.fonts)

    def get(self, path: Path) -> tuple[Figure, RenderedImage]:
        self.prefetch(path)
        return self._jobs[path].result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def figure_refs(markdown: str) -> list[str]:
    """Return the figure-file references of a chapter, in order, for prefetching."""
    return _FIGURE_REF.findall(markdown)
