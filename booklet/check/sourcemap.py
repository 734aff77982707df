"""Source maps kept after a build, so ``booklet validate`` can point at Markdown later.

The build writes ``<root>/.cache/booklet/maps/<sha256 of the EPUB>.json``; keyed by the
EPUB's content, a map can never describe another version of the file. ``validate``
looks for one under the current folder and the EPUB's folder and its parent.
"""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from booklet.incremental.cache import file_sha256, write_atomic

if TYPE_CHECKING:          # not imported: the build writes maps without loading the lint's rules
    from booklet.check.lint.model import Finding

MAPS = Path(".cache") / "booklet" / "maps"


def write_source_map(epub: Path, root: Path, slug: str, source_map: dict, sha256: str | None = None) -> Path | None:
    """Keep *source_map* (paths relative to *root*) for the EPUB now at *epub*, whose SHA-256
    the caller may know already; never fails the build."""
    sha256 = sha256 or file_sha256(epub)
    if sha256 is None:
        return None
    target = root / MAPS / f"{sha256}.json"
    data = {"format": 1, "slug": slug, "epub": epub.name, "source_map": source_map}
    # Atomic: a concurrent validate reads the old map or the new one.
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return target if write_atomic(target, text.encode("utf-8")) else None


def find_source_map(epub: Path, roots: list[Path] | None = None) -> tuple[Path, dict] | None:
    """(root, source map) for the EPUB at *epub* if a build of that very file left one."""
    epub = Path(epub)
    if roots is None:
        roots = [Path.cwd(), epub.absolute().parent, epub.absolute().parent.parent]
    candidates = [root for root in dict.fromkeys(r.resolve() for r in roots) if (root / MAPS).is_dir()]
    sha256 = file_sha256(epub) if candidates else None
    if sha256 is None:
        return None
    name = f"{sha256}.json"
    for root in candidates:
        try:
            data = json.loads((root / MAPS / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("source_map"), dict):
            return root, data["source_map"]
    return None


def map_findings(findings: list[Finding], source_map: dict, root: Path | None = None) -> list[Finding]:
    """*findings* placed at their source file and line where *source_map* knows the file.

    Source paths become absolute under *root* when it is given. Findings already on a
    source file, or on a file the map does not know, are kept as they are.
    """
    from booklet.check.epubcheck.report import map_to_source

    mapped = []
    for found in findings:
        [located] = map_to_source([found], source_map)
        if located is not found and root is not None:
            located = replace(located, path=str(root / located.path))
        mapped.append(located)
    return mapped
