"""Rebuild on save: watchfiles blocks until a booklet's input changes, then the studio rebuilds it."""
from __future__ import annotations

import threading
from pathlib import Path

WATCHED = ("chapters", "images", "templates")


def affected(root: Path, changed: list[str], slugs: list[str]) -> list[str]:
    """The booklets a set of changed paths touches: a booklet's own folders, or all for templates."""
    touched: set[str] = set()
    for name in changed:
        try:
            parts = Path(name).resolve().relative_to(root).parts
        except ValueError:
            continue
        if any(part.startswith(".") or part.endswith(".tmp") for part in parts):
            continue       # editors' swap and backup files, the build's own temporary files
        if len(parts) >= 2 and parts[0] in ("chapters", "images") and parts[1] in slugs:
            touched.add(parts[1])
        elif parts and parts[0] == "templates" or parts[-1] == "booklet.toml" or len(parts) == 2:
            touched.update(slugs)     # templates, a partner's config, a shared file: any booklet may use it
    return [slug for slug in slugs if slug in touched]


def watch_forever(studio, stop: threading.Event) -> None:
    """Rebuild what each burst of saves touches until *stop* is set (blocks in watchfiles)."""
    import watchfiles

    paths = [studio.root / name for name in WATCHED if (studio.root / name).is_dir()]
    for changes in watchfiles.watch(*paths, stop_event=stop, debounce=400, step=30,
                                    raise_interrupt=False, ignore_permission_denied=True):
        slugs = affected(studio.root, [path for _, path in changes], studio.slugs)
        if slugs:
            studio.rebuild(slugs)


def start_watching(studio) -> threading.Event:
    """Watch in a daemon thread; return the event that stops it."""
    stop = threading.Event()
    threading.Thread(target=watch_forever, args=(studio, stop), daemon=True, name="booklet-watch").start()
    return stop
