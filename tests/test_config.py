"""The manifest loader: booklet.toml and glossary.toml, good and bad."""
from __future__ import annotations

import pytest

from booklet.read.config import default_identifier, load_glossary, load_metadata
from booklet.errors import BuildErrors, ConfigError, Report


def write(tmp_path, text, name="booklet.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_full_metadata(tmp_path):
    path = write(tmp_path, """[booklet]
title = "Gluteus Medius"
subtitle = "Sub"
author = "A. Author"
language = "en-GB"
subjects = ["Trigger points", "Pain"]
series = "Booklets"
series_index = 2
partners = ["quadratus-lumborum"]
""")
    meta = load_metadata(path, "gluteus-medius", Report())
    assert meta.title == "Gluteus Medius"
    assert meta.language == "en-GB"
    assert meta.subjects == ("Trigger points", "Pain")
    assert meta.series_index == 2.0
    assert meta.partners == ("quadratus-lumborum",)
    assert meta.identifier == default_identifier("gluteus-medius")
    assert meta.chapters is None and meta.allow_scripts is False


def test_identifier_is_stable_per_slug():
    assert default_identifier("a") == default_identifier("a") != default_identifier("b")
    assert default_identifier("a").startswith("urn:uuid:")


def test_missing_keys_are_all_reported(tmp_path):
    path = write(tmp_path, '[booklet]\ntitle = "T"\n')
    with pytest.raises(BuildErrors) as info:
        load_metadata(path, "x", Report())
    messages = [str(e) for e in info.value.errors]
    assert messages == [
        f"{path}:1: missing required key 'booklet.author' (add author = ... (a string))",
        f"{path}:1: missing required key 'booklet.language' (add language = ... "
        "(a BCP 47 language tag such as \"en\" or \"en-GB\"))",
    ]


def test_wrong_type_names_line(tmp_path):
    path = write(tmp_path, '[booklet]\ntitle = "T"\nauthor = 3\nlanguage = "en"\n')
    with pytest.raises(ConfigError) as info:
        load_metadata(path, "x", Report())
    assert str(info.value) == f"{path}:3: 'booklet.author' must be a string, not a number (write author = \"...\")"


@pytest.mark.parametrize("tag", ["english", "en_US", "e", "en-"])
def test_bad_language(tmp_path, tag):
    path = write(tmp_path, f'[booklet]\ntitle = "T"\nauthor = "A"\nlanguage = "{tag}"\n')
    with pytest.raises(ConfigError, match="not a valid BCP 47 language tag"):
        load_metadata(path, "x", Report())


@pytest.mark.parametrize("tag", ["en", "de", "en-GB", "zh-Hans-CN", "sr-Latn", "es-419"])
def test_good_language(tmp_path, tag):
    path = write(tmp_path, f'[booklet]\ntitle = "T"\nauthor = "A"\nlanguage = "{tag}"\n')
    assert load_metadata(path, "x", Report()).language == tag


def test_unknown_key_is_a_warning_with_line(tmp_path):
    path = write(tmp_path, '[booklet]\ntitle = "T"\nauthor = "A"\nlanguage = "en"\ncolour = "red"\n')
    report = Report()
    load_metadata(path, "x", report)
    assert [str(w).split(" (")[0] for w in report.warnings] == [f"{path}:5: unknown key 'booklet.colour' is ignored"]


def test_malformed_toml_gives_line_and_column(tmp_path):
    path = write(tmp_path, '[booklet]\ntitle = "T\nauthor = "A"\n')
    with pytest.raises(ConfigError) as info:
        load_metadata(path, "x", Report())
    assert str(info.value).startswith(f"{path}:2:")
    assert "invalid TOML" in str(info.value)


def test_glossary(tmp_path):
    path = write(tmp_path, '[[term]]\nname = "PSIS"\ndefinition = "A spine."\naliases = ["posterior superior iliac spine"]\n'
                           '\n[[term]]\nname = "ASIS"\ndefinition = "Another."\n', "glossary.toml")
    terms = load_glossary(path, Report())
    assert [t.name for t in terms] == ["PSIS", "ASIS"]
    assert terms[0].aliases == ("posterior superior iliac spine",)
    assert terms[1].line == 6
    assert terms[0].slug == "gloss-psis"


def test_glossary_duplicate_and_empty(tmp_path):
    path = write(tmp_path, '[[term]]\nname = "PSIS"\ndefinition = "A."\n\n[[term]]\nname = "psis"\n'
                           'definition = "B."\n\n[[term]]\nname = ""\ndefinition = "C."\n', "glossary.toml")
    report = Report()
    load_glossary(path, report)
    assert [str(e) for e in report.errors] == [
        f"{path}:5: glossary term 'psis' is defined twice (first on line 1)",
        f"{path}:9: term.name must be a non-empty string (each [[term]] needs name = \"...\" and "
        "definition = \"...\")",
    ]
