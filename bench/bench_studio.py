"""Benchmark: ``booklet studio`` with a real browser (not part of the tests).

    python bench/bench_studio.py [--saves 20] [--soak 200]

Runs ``booklet studio`` on a copy of the repository's root (a process of its own, so its CPU
and memory can be read from /proc), opens the reader in headless Chromium at chapter 4 of
the gluteus medius booklet, and saves that chapter again and again, each time with a new
sentence. It measures:
  a  save -> the new sentence shown in the reader           (median over --saves saves; target <= 0.5 s)
  b  save -> EPUBCheck and lint findings shown, JVM warm    (median, same saves; target <= 2 s)
  c  CPU used by the studio (and its JVM) while idle for 10 s between saves (target ~0)
  d  the studio's resident memory after --soak saves against after --saves saves (target within 10%)
The save time is taken just before the file is written; "shown" is when the page, polling
its own reader frame every 5 ms, sees the text (or the findings of that version).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SLUG, CHAPTER = "gluteus-medius", "04-trigger-points.md"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
TICKS = os.sysconf("SC_CLK_TCK")

# Resolves, in the page, once the reader's page holds *text*: polled every 5 ms.
WAIT_TEXT = """async (text) => {
  const has = () => (window.studio.view?.renderer.getContents() ?? [])
      .some(({ doc }) => doc?.body?.textContent.includes(text));
  while (!has()) await new Promise(r => setTimeout(r, 5));
  return Number(document.body.dataset.shown);
}"""
WAIT_FINDINGS = """async (version) => {
  while (Number(document.body.dataset.findingsVersion) < version) await new Promise(r => setTimeout(r, 5));
  return document.querySelectorAll('#findings li').length;
}"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def family(pid: int) -> list[int]:
    """*pid* and its descendants (the studio and its warm JVM), from the parent ids in /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += parents.get(current, [])
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])       # utime + stime
    return total / TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_studio(root: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "booklet", "studio", SLUG, "--root", str(root),
                             "--port", str(port)], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if line.startswith("booklet studio:"):
            return proc
    raise SystemExit("the studio did not start")


def save(chapter: Path, original: str, n: int) -> tuple[str, float]:
    sentence = f"Bench sentence number {n} was saved just now."
    text = original.replace("They are usually numbered", f"{sentence} They are usually numbered", 1)
    started = time.perf_counter()
    chapter.write_text(text, encoding="utf-8")
    return sentence, started


def one_save(page, chapter: Path, original: str, n: int) -> tuple[float, float]:
    """(seconds to the text, seconds to the findings) of save number *n*."""
    sentence, started = save(chapter, original, n)
    version = page.evaluate(WAIT_TEXT, sentence)
    shown = time.perf_counter() - started
    page.evaluate(WAIT_FINDINGS, version)
    return shown, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=20)
    parser.add_argument("--soak", type=int, default=200)
    parser.add_argument("--idle", type=float, default=10.0)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="bench-studio-"))
    root = work / "repo"
    for name in ("chapters", "images", "templates"):
        shutil.copytree(REPO / name, root / name)
    chapter = root / "chapters" / SLUG / CHAPTER
    original = chapter.read_text(encoding="utf-8")
    port = free_port()
    studio = start_studio(root, port)
    results: dict = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1300})
            page.goto(f"http://127.0.0.1:{port}/read/{SLUG}/{CHAPTER}")
            page.evaluate(WAIT_FINDINGS, 1)                 # first build shown and checked (JVM warm)
            times = [one_save(page, chapter, original, n) for n in range(1, args.saves + 1)]
            results["text_median_s"] = statistics.median(t for t, _ in times)
            results["findings_median_s"] = statistics.median(f for _, f in times)
            results["text_max_s"] = max(t for t, _ in times)
            results["findings_max_s"] = max(f for _, f in times)
            results["rss_after_%d_mb" % args.saves] = rss_mb(studio.pid)
            time.sleep(1.0)
            before = cpu_seconds(family(studio.pid))
            time.sleep(args.idle)
            idle = cpu_seconds(family(studio.pid)) - before
            results["idle_cpu_percent"] = 100 * idle / args.idle
            for n in range(args.saves + 1, args.soak + 1):
                one_save(page, chapter, original, n)
            results["rss_after_%d_mb" % args.soak] = rss_mb(studio.pid)
            results["jvm_rss_mb"] = sum(rss_mb(p) for p in family(studio.pid)[1:])
            browser.close()
    finally:
        studio.terminate()
        studio.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    results["rss_ratio"] = results["rss_after_%d_mb" % args.soak] / results["rss_after_%d_mb" % args.saves]
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in results.items()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
