"""Source maps kept after a build, so ``booklet validate`` can point at Markdown later.

The build writes ``<root>/.cache/booklet/maps/<sha256 of the EPUB>.json``; keyed by the
EPUB's content, a map can never describe another version of the file. ``validate``
looks for one under the current folder and the EPUB's folder and its parent.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

from booklet.lint.model import Finding

MAPS = Path(".cache") / "booklet" / "maps"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_source_map(epub: Path, root: Path, slug: str, source_map: dict) -> Path | None:
    """Keep *source_map* (paths relative to *root*) for the EPUB now at *epub*; never fails the build."""
    folder = root / MAPS
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{_sha256(epub)}.json"
        data = {"format": 1, "slug": slug, "epub": epub.name, "source_map": source_map}
        fd, temp = tempfile.mkstemp(prefix=".map.", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, sort_keys=True)
        os.replace(temp, target)      # atomic: a concurrent validate reads the old map or the new one
        return target
    except OSError:
        return None


def find_source_map(epub: Path, roots: list[Path] | None = None) -> tuple[Path, dict] | None:
    """(root, source map) for the EPUB at *epub* if a build of that very file left one."""
    epub = Path(epub)
    if roots is None:
        roots = [Path.cwd(), epub.absolute().parent, epub.absolute().parent.parent]
    candidates = [root for root in dict.fromkeys(r.resolve() for r in roots) if (root / MAPS).is_dir()]
    if not candidates or not epub.is_file():
        return None
    name = f"{_sha256(epub)}.json"
    for root in candidates:
        try:
            data = json.loads((root / MAPS / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("source_map"), dict):
            return root, data["source_map"]
    return None


def map_findings(findings: list[Finding], source_map: dict, root: Path | None = None) -> list[Finding]:
    """*findings* with ``source_path``/``source_line`` filled in where *source_map* knows the file.

    Source paths become absolute under *root* when it is given. Findings already on a
    source file, or on a file the map does not know, are kept as they are.
    """
    from booklet.validation.report import map_to_source

    mapped = []
    for finding in findings:
        if finding.path is None or finding.source_path:
            mapped.append(finding)
            continue
        [located] = map_to_source([finding], source_map)
        if located.source_path and root is not None:
            located = replace(located, source_path=str(root / located.source_path))
        mapped.append(located)
    return mapped
