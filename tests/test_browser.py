"""The shipped booklets in a real headless Chromium at iPad width (820×1180).

Quizzes with and without JavaScript, figure tap targets and footnote links, page width,
and console errors. One browser for all of them; the EPUBs come from the session
fixtures in conftest.py (built once). A missing Chromium fails these tests: it is not a reason to skip.
"""
from __future__ import annotations

import contextlib
import re

import pytest

from booklet.publish.preview import (VIEWPORTS, check_width, new_context, open_page, serve, spine_pages, url_for,
                                     watch)

GLUTEUS = "gluteus-medius"
WIDTH = VIEWPORTS["portrait"][0]

# The note an in-page link points at: its element, whether it is an EPUB footnote, its text
# and where it now sits in the viewport.
_TARGET = """(id) => {
  const el = document.getElementById(id);
  if (!el) return null;
  const r = el.getBoundingClientRect();
  return {tag: el.localName, type: el.getAttributeNS("http://www.idpf.org/2007/ops", "type") || "",
          text: el.textContent.trim(), top: r.top, bottom: r.bottom, height: window.innerHeight,
          hash: location.hash};
}"""

# The page's noteref links outside figures, and whether each is a glossary popup or a footnote.
_NOTEREFS = """() => Array.from(document.querySelectorAll("a[href^='#']:not(.tap)"))
  .filter(a => (a.getAttributeNS("http://www.idpf.org/2007/ops", "type") || "").split(/\\s+/).includes("noteref"))
  .map(a => ({href: a.getAttribute("href"), kind: a.classList.contains("glossref") ? "glossary" : "footnote"}))"""


@pytest.fixture(scope="module")
def sites(unzipped):
    """Each unzipped shipped EPUB served over http://127.0.0.1: slug -> (folder, base URL)."""
    with contextlib.ExitStack() as stack:
        yield {slug: (folder, stack.enter_context(serve(folder))) for slug, folder in unzipped.items()}


def pages_with(sites, slug: str, marker: str) -> list[str]:
    """URLs of the spine pages of *slug* whose XHTML contains *marker*."""
    folder, base = sites[slug]
    return [url_for(base, folder, p) for p in spine_pages(folder) if marker in p.read_text("utf-8")]


@pytest.fixture
def tab(chromium):
    """A fresh iPad-portrait tab with JavaScript on."""
    context = new_context(chromium)
    yield context.new_page()
    context.close()


def test_quiz_gives_feedback_when_an_option_is_tapped(sites, tab):
    urls = pages_with(sites, GLUTEUS, 'class="quiz"')
    assert urls, "the gluteus medius booklet has no quiz"
    tab.goto(urls[0])
    quiz = tab.locator("section.quiz.is-interactive").first
    quiz.wait_for()
    wrong = quiz.locator('li.quiz-option[data-correct="false"]').first
    right = quiz.locator('li.quiz-option[data-correct="true"]')
    feedback, answer = quiz.locator("p.quiz-feedback"), quiz.locator("div.quiz-answer")
    assert not answer.is_visible(), "the answer shows before any option is tapped"

    wrong.locator(".quiz-choice").click()
    assert feedback.inner_text().startswith("Not quite")
    assert "is-wrong" in wrong.get_attribute("class").split()
    assert not answer.is_visible()

    right.locator(".quiz-choice").click()
    assert feedback.inner_text() == "Right!"
    assert "is-right" in right.get_attribute("class").split()
    assert "is-wrong" not in wrong.get_attribute("class").split()
    assert answer.is_visible() and quiz.locator(".quiz-key").is_visible()
    assert not quiz.locator("button.quiz-show").is_visible(), "'Show the answer' left after the answer shows"


def test_quiz_answer_shows_on_request(sites, tab):
    tab.goto(pages_with(sites, GLUTEUS, 'class="quiz"')[0])
    quiz = tab.locator("section.quiz.is-interactive").first
    quiz.wait_for()
    answer = quiz.locator("div.quiz-answer")
    assert not answer.is_visible()
    quiz.locator("button.quiz-show").click()
    assert answer.is_visible() and quiz.locator(".quiz-key").inner_text().startswith("Answer ")


def test_quiz_options_work_from_the_keyboard(sites, tab):
    tab.goto(pages_with(sites, GLUTEUS, 'class="quiz"')[0])
    quiz = tab.locator("section.quiz.is-interactive").first
    quiz.wait_for()
    right = quiz.locator('li.quiz-option[data-correct="true"] .quiz-choice')
    assert right.get_attribute("role") == "button" and right.get_attribute("tabindex") == "0"
    right.focus()
    tab.keyboard.press("Enter")
    assert quiz.locator("p.quiz-feedback").inner_text() == "Right!"


def test_quiz_answers_are_reachable_without_javascript(sites, chromium):
    urls = pages_with(sites, GLUTEUS, 'class="quiz"')
    context = new_context(chromium, java_script_enabled=False)
    try:
        page = context.new_page()
        checked = 0
        for url in urls:
            page.goto(url)
            for quiz in page.locator("section.quiz").all():
                assert quiz.locator("li.quiz-option").count() >= 2
                assert quiz.locator(".quiz-choice").count() == 0, "quiz.js ran with JavaScript off"
                assert not quiz.locator("button.quiz-show").is_visible(), "a control that does nothing"
                key = quiz.locator("div.quiz-answer .quiz-key")
                assert key.is_visible(), "without scripts the answer must be printed under the options"
                assert key.inner_text().startswith("Answer ")
                checked += 1
        assert checked, "no quiz found"
    finally:
        context.close()


def test_figure_tap_targets_are_big_enough_and_open_their_notes(sites, tab):
    urls = pages_with(sites, GLUTEUS, "tp-figure")
    assert urls, "the gluteus medius booklet has no annotated figure"
    taps = 0
    for url in urls:
        tab.goto(url)
        for figure in tab.locator(".tp-figure").all():
            image = figure.locator("img").first.bounding_box()
            for tap in figure.locator(".tap").all():
                where = f"{url} {tap.get_attribute('aria-label')!r}"
                box = tap.bounding_box()
                assert box and box["width"] >= 44 and box["height"] >= 44, f"{where}: tap target {box}"
                # centred where the figure file puts it: left/top are fractions of the image
                left, top = placement(tap.get_attribute("style"))
                centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                wanted = (image["x"] + left * image["width"], image["y"] + top * image["height"])
                assert abs(centre[0] - wanted[0]) <= 2 and abs(centre[1] - wanted[1]) <= 2, \
                    f"{where}: centred at {centre}, not on its point of the image {wanted}"
                href = tap.get_attribute("href")
                assert href and href.startswith("#"), f"{where}: href {href!r}"
                before = tab.evaluate(_TARGET, href[1:])
                assert before and before["tag"] == "aside" and "footnote" in before["type"].split(), \
                    f"{where}: {href} is not an aside epub:type=footnote on this page"
                assert before["text"], f"{where}: the note {href} is empty"
                tap.click(timeout=3000)   # fails if anything covers the target
                assert_reached(tab, href, where)
                tab.evaluate("window.scrollTo(0, 0)")
                taps += 1
    assert taps, "no tap targets found"


def test_footnote_noterefs_reach_their_notes(sites, tab):
    urls = pages_with(sites, GLUTEUS, "noteref")
    assert urls, "the gluteus medius booklet has no footnote"
    followed = set()
    for url in urls:
        tab.goto(url)
        links = tab.evaluate(_NOTEREFS)
        for link in links:
            note = tab.evaluate(_TARGET, link["href"][1:])
            assert note and note["tag"] == "aside" and "footnote" in note["type"].split(), \
                f"{url}: noteref {link['href']} has no aside epub:type=footnote on its page"
            assert note["text"], f"{url}: the note {link['href']} is empty"
        for link in links:   # follow one note and one glossary popup per booklet
            if link["kind"] not in followed:
                followed.add(link["kind"])
                tab.locator(f'a[href="{link["href"]}"]:not(.tap)').first.click(timeout=3000)
                assert_reached(tab, link["href"], url)
                tab.evaluate("window.scrollTo(0, 0)")
    assert "footnote" in followed, "no footnote noteref found outside figures"


def placement(style: str | None) -> tuple[float, float]:
    """The (left, top) fractions of a tap target's ``style="left:12.5%;top:40%"``."""
    found = dict(re.findall(r"(left|top)\s*:\s*([\d.]+)%", style or ""))
    assert set(found) == {"left", "top"}, f"tap target style {style!r}"
    return float(found["left"]) / 100, float(found["top"]) / 100


def assert_reached(tab, href: str, where: str) -> dict:
    """After following *href*, the note exists, is not empty and is on screen."""
    note = tab.evaluate(_TARGET, href[1:])
    assert note, f"{where}: {href} not found"
    assert note["hash"] == href, f"{where}: following {href} went to {note['hash']!r}"
    assert note["text"], f"{where}: the note {href} is empty"
    assert note["bottom"] > 0 and note["top"] < note["height"], f"{where}: the note {href} is off screen"
    return note


@pytest.mark.parametrize("slug", ["gluteus-medius", "quadratus-lumborum"])
def test_no_page_scrolls_sideways_or_logs_errors(sites, chromium, slug):
    folder, base = sites[slug]
    context = new_context(chromium)
    problems = []
    try:
        page = context.new_page()
        seen = watch(page)
        for path in spine_pages(folder):
            seen.clear()
            wide = check_width(open_page(page, url_for(base, folder, path)), WIDTH)
            problems += [f"{path.name}: {message}" for message in ([wide] if wide else []) + seen]
    finally:
        context.close()
    assert not problems, "\n".join(problems)
