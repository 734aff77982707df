"""Benchmark: booklet against pandoc on the same synthetic catalog (not part of the tests).

    pip install -e ".[bench]" && python bench/bench_catalog.py

For each catalog size N (booklets of M chapters of about 3,000 words, with headings, lists,
tables, footnotes, glossary terms and figure files) it times, side by side in one run:
  a  booklet's clean catalog build, no validation     (booklet build --no-validate --no-cache)
  b  pandoc on the same Markdown and the same already-rendered figure images,
     one pandoc call per booklet, as many at once as booklet uses workers
  c  a no-change rebuild                               (booklet build --no-validate)
  d  a rebuild after editing one chapter
  e  validating the whole catalog                      (booklet validate dist/*.epub)
and reports medians, the ratios a/b, c/a, d/a, the peak RSS of each build, and a plot.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIGURES = ("overview", "tp-medial")
WORDS = ("muscle trigger point referred pain pelvis iliac crest sacrum buttock pressure release stretch "
         "tension fibre knot ache posture walking sitting standing ball wall floor breath slowly gently "
         "tissue tender spot hip thigh lower back side lying gluteal nerve joint fascia warmth movement "
         "load habit rest sleep shoe wallet leg length stride balance body").split()
TERMS = ("PSIS", "ASIS", "SI joint", "iliac crest", "greater trochanter", "referred pain", "sacrum",
         "satellite trigger point", "abduction", "fascia")


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 20))]
    if rng.random() < 0.3:
        words.insert(rng.randint(0, len(words)), rng.choice(TERMS))
    return " ".join(words).capitalize() + "."


def chapter(rng: random.Random, number: int, figure: str | None) -> str:
    """Return one chapter of about 3,000 words of realistic booklet Markdown."""
    parts = [f"# Chapter {number}: {rng.choice(WORDS)} and {rng.choice(WORDS)}\n"]
    notes = []
    for section in range(6):
        parts.append(f"## Section {section + 1}: {rng.choice(WORDS)}\n")
        for _ in range(5):
            text = " ".join(sentence(rng) for _ in range(rng.randint(4, 7)))
            if rng.random() < 0.25:
                notes.append(f"[^n{len(notes) + 1}]: {sentence(rng)}")
                text += f"[^n{len(notes)}]"
            parts.append(text + "\n")
        parts.append("\n".join(f"- {sentence(rng)}" for _ in range(4)) + "\n")
        if section % 2 == 0:
            rows = "\n".join(f"| {rng.choice(WORDS)} | {rng.randint(1, 90)} s | {sentence(rng)} |" for _ in range(4))
            parts.append(f"| Step | Time | What to do |\n| --- | --- | --- |\n{rows}\n")
        if section == 2 and figure:
            parts.append(f'![The {figure} figure of the gluteus medius]({figure}.toml "Figure {number}")\n')
    return "\n".join(parts + notes) + "\n"


def make_catalog(root: Path, pandoc_root: Path, books: int, chapters: int) -> None:
    """Write N booklets for booklet, and the same Markdown with rendered images for pandoc."""
    rng = random.Random(books * 1000 + chapters)
    glossary = "\n".join(f'[[term]]\nname = "{t}"\ndefinition = "{t} explained in one plain sentence."\n'
                         for t in TERMS)
    shutil.copytree(REPO / "templates", root / "templates")
    for b in range(books):
        slug = f"muscle-{b:03d}"
        src, img, pan = root / "chapters" / slug, root / "images" / slug, pandoc_root / slug
        for folder in (src, img, pan):
            folder.mkdir(parents=True)
        (src / "booklet.toml").write_text(f'[booklet]\ntitle = "Muscle {b}"\nauthor = "Bench"\nlanguage = "en"\n'
                                          f'date = "2026-11-24"\n')
        (src / "glossary.toml").write_text(glossary)
        rendered_names: dict[str, str] = {}
        shutil.copy(REPO / "images" / "gluteus-medius" / "posterior-pelvis.png", img)
        for name in FIGURES:
            # Each booklet gets its own figures (markers nudged), as a real catalog would,
            # so no tool can reuse one booklet's figure for another.
            text = (REPO / "images" / "gluteus-medius" / f"{name}.toml").read_text()
            text = re.sub(r"^(x = )([\d.]+)", lambda m: f"{m.group(1)}{min(0.99, float(m.group(2)) + 0.0005 * b):.4f}",
                          text, flags=re.M)
            (img / f"{name}.toml").write_text(text)
            rendered_path = render_one(img / f"{name}.toml", pan)
            rendered_names[name] = rendered_path.name
        for c in range(chapters):
            text = chapter(rng, c + 1, FIGURES[c % len(FIGURES)] if c < 2 else None)
            (src / f"{c + 1:02d}-chapter.md").write_text(text)
            pandoc_text = re.sub(r"\]\(([\w-]+)\.toml", lambda m: f"]({rendered_names[m.group(1)]}", text)
            (pan / f"{c + 1:02d}-chapter.md").write_text(pandoc_text.replace("[^n", f"[^c{c}n"))


def render_one(figure: Path, folder: Path) -> Path:
    """Render a figure file once with booklet, so pandoc gets the very same image."""
    from booklet.figures import load_figure, render_figure

    image = render_figure(load_figure(figure))
    path = folder / f"{figure.stem}.{image.ext}"
    path.write_bytes(image.data)
    return path


def timed(command: list[str], cwd: Path | None = None) -> tuple[float, int]:
    """Run a command; return its wall time and the peak RSS (KiB) of it or any of its processes."""
    wrapper = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]);"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(r.returncode)")
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", wrapper, *command], cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{proc.stderr[-2000:]}")
    return seconds, int(proc.stderr.strip().splitlines()[-1])


def pandoc_catalog(pandoc: str, pandoc_root: Path, out: Path, jobs: int) -> tuple[float, int]:
    """Convert each booklet with one pandoc call, *jobs* at a time; return wall time and peak RSS."""
    out.mkdir(parents=True, exist_ok=True)
    books = sorted(p for p in pandoc_root.iterdir() if p.is_dir())

    def one(book: Path) -> tuple[float, int]:
        files = sorted(str(p) for p in book.glob("*.md"))
        return timed([pandoc, "-f", "markdown", "-t", "epub3", "--resource-path", str(book),
                      "--metadata", f"title={book.name}", "--metadata", "lang=en", "-o",
                      str(out / f"{book.name}.epub"), *files])

    started = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        peaks = [rss for _, rss in pool.map(one, books)]
    return time.perf_counter() - started, max(peaks)


def booklet_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "booklet", *args]


def measure(n: int, chapters: int, runs: int, pandoc: str, work: Path, jobs: int,
            validate: bool) -> dict:
    root, pandoc_root = work / f"n{n}" / "root", work / f"n{n}" / "pandoc"
    make_catalog(root, pandoc_root, n, chapters)
    out = root / "dist"
    build = booklet_cmd("build", "--root", str(root), "--out", str(out), "--no-validate", "-j", str(jobs))
    clean, pan, nochange, edit = [], [], [], []
    peak = 0
    for run in range(runs):
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(root / ".cache", ignore_errors=True)
        seconds, rss = timed(build + ["--no-cache"])
        clean.append(seconds)
        peak = max(peak, rss)
        pan.append(pandoc_catalog(pandoc, pandoc_root, work / f"n{n}" / "pandoc-out", jobs)[0])
        nochange.append(timed(build)[0])
        target = root / "chapters" / "muscle-000" / "03-chapter.md"
        target.write_text(target.read_text() + f"\nOne more sentence, edit {run}.\n")
        edit.append(timed(build)[0])
    result = {"n": n, "chapters": chapters, "words": n * chapters * 3000, "clean": statistics.median(clean),
              "pandoc": statistics.median(pan), "nochange": statistics.median(nochange),
              "edit": statistics.median(edit), "peak_rss_mib": peak / 1024, "runs": runs}
    if validate:
        epubs = sorted(str(p) for p in out.glob("*.epub"))
        result["validate"] = timed(booklet_cmd("validate", *epubs))[0]
    return result


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = [r["n"] for r in results]
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    for key, label in (("pandoc", "pandoc, one call per booklet"), ("clean", "booklet, clean build"),
                       ("edit", "booklet, one chapter edited"), ("nochange", "booklet, nothing changed")):
        ax.plot(ns, [r[key] for r in results], marker="o", label=label)
    ax.set_xlabel("booklets in the catalog (8 chapters of ~3,000 words each)")
    ax.set_ylabel("wall time, seconds (median)")
    ax.set_title("Markdown to EPUB, 2-core machine, no validation")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,5,20,50", help="catalog sizes N (default 1,5,20,50)")
    parser.add_argument("--chapters", type=int, default=8, help="chapters per booklet (default 8)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size; medians are reported")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="workers for both tools")
    parser.add_argument("--validate-size", type=int, default=20, help="validate the catalog of this size")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    args = parser.parse_args()
    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    version = subprocess.run([pandoc, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    # As `pip install` does: compile booklet's modules once, so that no timed run spends its
    # time compiling them (PYTHONDONTWRITEBYTECODE, set on some machines, would make every run do it).
    import compileall

    compileall.compile_dir(str(REPO / "booklet"), quiet=1)
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="booklet-bench-") as tmp:
        work = Path(tmp)
        for n in (int(s) for s in args.sizes.split(",")):
            result = measure(n, args.chapters, args.runs, pandoc, work, args.jobs,
                             validate=n in (1, args.validate_size))
            results.append(result)
            print(json.dumps(result), flush=True)
    report(results, version, args)
    plot(results, args.out / "bench.png")


def report(results: list[dict], pandoc_version: str, args) -> None:
    lines = [f"# Benchmark ({pandoc_version}; {args.jobs} workers; {args.chapters} chapters × ~3,000 words "
             f"per booklet; medians of {args.runs} runs)", "",
             "| N | words | a: booklet clean | b: pandoc | a/b | c: no change | c/a | d: one edit | d/a "
             "| e: validate all | peak RSS |", "|" + " --- |" * 11]
    for r in results:
        validate = f"{r['validate']:.1f} s" if "validate" in r else "–"
        lines.append(f"| {r['n']} | {r['words']:,} | {r['clean']:.2f} s | {r['pandoc']:.2f} s | "
                     f"{r['clean'] / r['pandoc']:.2f} | {r['nochange']:.2f} s | {r['nochange'] / r['clean']:.1%} | "
                     f"{r['edit']:.2f} s | {r['edit'] / r['clean']:.1%} | {validate} | {r['peak_rss_mib']:.0f} MiB |")
    text = "\n".join(lines) + "\n"
    (args.out / "bench.md").write_text(text)
    (args.out / "bench.json").write_text(json.dumps(results, indent=2) + "\n")
    print(text)


if __name__ == "__main__":
    main()
