"""A wheel install works, not only an editable one (issue 14): templates, the starter and the
EPUBCheck launcher's source are found inside the installed package, and Ace is looked for
beside the booklet or the current folder, never beside booklet's code."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile

from tests.conftest import REPO

PROBE = """
import pathlib, booklet
from booklet.render.theme import default_template_dir
from booklet.check.epubcheck.java import LAUNCHER_SOURCE
site = pathlib.Path(__import__("sys").argv[1]).resolve()
assert pathlib.Path(booklet.__file__).resolve().is_relative_to(site), booklet.__file__
for path in (default_template_dir() / "content.opf.j2", default_template_dir() / "style.css", LAUNCHER_SOURCE):
    assert path.resolve().is_relative_to(site) and path.is_file(), path
print("ok")
"""


def test_wheel_install_finds_its_files(tmp_path):
    wheels, site, work = tmp_path / "wheels", tmp_path / "site", tmp_path / "work"
    work.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(wheels), str(REPO)], check=True, capture_output=True)
    wheel, = wheels.glob("booklet-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert "booklet/templates/content.opf.j2" in archive.namelist()
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                    str(wheel)], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(site)}
    probe = subprocess.run([sys.executable, "-c", PROBE, str(site)], cwd=work, env=env,
                           capture_output=True, text=True)
    assert probe.stdout.strip() == "ok", probe.stderr
    for args in (["new", "demo", "--root", "."], ["build", "--root", ".", "--no-validate"]):
        done = subprocess.run([sys.executable, "-m", "booklet", *args], cwd=work, env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    assert (work / "dist" / "demo.epub").is_file()


def test_ace_is_found_beside_the_booklet_not_the_code(tmp_path, monkeypatch):
    from booklet.check.ace import find_ace

    monkeypatch.chdir(tmp_path)
    assert find_ace({"PATH": ""}) is None          # the repository's node_modules is not guessed
    project = tmp_path / "project"
    ace = project / "node_modules" / ".bin" / "ace"
    ace.parent.mkdir(parents=True)
    ace.write_text("#!/bin/sh\n")
    ace.chmod(0o755)
    (project / "dist").mkdir()
    assert find_ace({"PATH": ""}, near=[project / "dist"]) == ace
    monkeypatch.chdir(project / "dist")
    assert find_ace({"PATH": ""}) == ace
