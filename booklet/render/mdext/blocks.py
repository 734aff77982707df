"""Booklet blocks written as ``!!! kind "Title"``: callouts, review quizzes, galleries, video cards.

The admonition extension parses the block syntax; this tree processor turns each
``div.admonition`` into the markup of its kind. See docs/authoring.md.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from booklet.urls import is_url as is_remote
from booklet.errors import ContentError
from booklet.render.mdext.context import ChapterExtension, ChapterTreeprocessor

CALLOUTS = {"tip": "Tip", "caution": "Caution", "note": "Note", "partners": "Partners in crime"}
KINDS = sorted([*CALLOUTS, "quiz", "gallery", "video"])
_CHOICE = re.compile(r"^\s*\[( |x|X)\]\s*")


class BlocksTreeprocessor(ChapterTreeprocessor):
    def run(self, root: etree.Element) -> None:
        for div in list(root.iter("div")):
            classes = (div.get("class") or "").split()
            if "admonition" not in classes:
                continue
            kind = next((c for c in classes if c != "admonition"), "")
            title_el = div.find("p[@class='admonition-title']")
            title = title_el.text if title_el is not None else None
            if title_el is not None:
                div.remove(title_el)
            handler = getattr(self, f"_{kind}", None) if kind in KINDS else None
            if kind in CALLOUTS:
                self._callout(div, kind, title)
            elif handler is not None:
                handler(div, title)
            else:
                self.ctx.error(ContentError(f"unknown block kind '!!! {kind}'",
                                            hint=f"use one of: {', '.join(KINDS)}"), f"!!! {kind}")

    def _callout(self, div: etree.Element, kind: str, title: str | None) -> None:
        div.attrib.clear()
        div.set("class", f"callout {kind}")
        div.set("role", "note")
        heading = etree.Element("p", {"class": "callout-title"})
        heading.text = title if title and title != kind.capitalize() else CALLOUTS[kind]
        div.insert(0, heading)

    def _quiz(self, div: etree.Element, question: str | None) -> None:
        needle = f'"{question}"' if question else "!!! quiz"
        options = div.find("ul")
        if not question or question == "Quiz":
            self.ctx.error(ContentError("a quiz needs its question as the block title",
                                        hint='write !!! quiz "Your question?"'), "!!! quiz")
            return
        items = list(options) if options is not None else []
        marks = [_CHOICE.match(li.text or "") for li in items]
        right = [i for i, m in enumerate(marks) if m and m.group(1).lower() == "x"]
        if len(items) < 2 or not all(marks) or len(right) != 1:
            self.ctx.error(ContentError("a quiz needs a list of at least two '- [ ]' options with exactly one "
                                        "'- [x]'", hint="mark the right answer with [x] and the others with [ ]"),
                           needle)
            return
        self.ctx.quiz_count += 1
        qid = self.ctx.ids.unique(f"quiz-{self.ctx.chapter.number}-{self.ctx.quiz_count}")
        explanation = [child for child in div if child is not options]
        div.clear()
        div.tag = "section"
        div.attrib.update({"class": "quiz", "id": qid, "aria-labelledby": f"{qid}-q"})
        head = etree.SubElement(div, "p", {"class": "quiz-question", "id": f"{qid}-q"})
        etree.SubElement(head, "span", {"class": "quiz-label"}).text = "Review"
        etree.SubElement(head, "span").text = question
        listing = etree.SubElement(div, "ol", {"class": "quiz-options"})
        for index, (li, mark) in enumerate(zip(items, marks)):
            li.text = (li.text or "")[mark.end():]
            li.attrib.update({"class": "quiz-option", "data-correct": "true" if index in right else "false"})
            listing.append(li)
        etree.SubElement(div, "p", {"class": "quiz-feedback", "role": "status", "aria-live": "polite"})
        # A plain block, not a closed <details>: Calibre's PDF and Kindle conversions and readers
        # without scripts must print the answer (issue 17); quiz.js hides it until asked for.
        # quiz.js shows this button and hides the answer; hidden here for readers without scripts.
        etree.SubElement(div, "button", {"type": "button", "class": "quiz-show", "hidden": "hidden",
                                         "aria-controls": f"{qid}-answer"}).text = "Show the answer"
        answer = etree.SubElement(div, "div", {"class": "quiz-answer", "id": f"{qid}-answer"})
        letter = chr(ord("A") + right[0])
        key = etree.SubElement(answer, "p", {"class": "quiz-key"})
        etree.SubElement(key, "strong").text = f"Answer {letter}:"
        key.tail = None
        correct = items[right[0]]
        key_text = etree.SubElement(key, "span")
        key_text.text = " " + "".join(correct.itertext()).strip()
        answer.extend(explanation)

    def _gallery(self, div: etree.Element, caption: str | None) -> None:
        images = list(div.iter("img"))
        if not images:
            self.ctx.error(ContentError("a gallery needs images", hint="indent one ![alt](file.png \"Caption\") "
                                        "per line under !!! gallery"), "!!! gallery")
            return
        div.clear()
        label = caption if caption and caption != "Gallery" else "Gallery"
        div.attrib.update({"class": "gallery", "role": "group", "aria-label": label})
        # Focusable, so the row can be scrolled from a keyboard too (Ace: scrollable-region-focusable).
        strip = etree.SubElement(div, "div", {"class": "gallery-strip", "tabindex": "0"})
        for img in images:
            item = etree.SubElement(strip, "figure", {"class": "gallery-item"})
            title = img.attrib.pop("title", None)
            img.tail = None
            item.append(img)
            if title:
                etree.SubElement(item, "figcaption").text = title
        if caption and caption != "Gallery":
            etree.SubElement(div, "p", {"class": "gallery-caption"}).text = caption

    def _video(self, div: etree.Element, title: str | None) -> None:
        poster = next(div.iter("img"), None)
        link = next(div.iter("a"), None)
        if link is None or poster is None:
            self.ctx.error(ContentError("a video block needs a poster image and a link",
                                        hint="indent ![poster alt](poster.png) and [label](URL or file.mp4)"),
                           "!!! video")
            return
        href, label = link.get("href", ""), "".join(link.itertext()).strip() or "Watch the video"
        poster.tail = None
        div.clear()
        div.attrib.update({"class": "video-card"})
        if title and title != "Video":
            etree.SubElement(div, "p", {"class": "video-title"}).text = title
        if is_remote(href):
            anchor = etree.SubElement(div, "a", {"class": "video-link", "href": href})
            anchor.append(poster)
            etree.SubElement(anchor, "span", {"class": "video-play"}).text = label
            etree.SubElement(div, "p", {"class": "video-url"}).text = href
        else:
            video = etree.SubElement(div, "video", {"controls": "controls", "poster": poster.get("src", ""),
                                                   "src": href, "preload": "none"})
            # Fallback text only: a link to a media file is not a valid EPUB hyperlink (RSC-010).
            video.text = f"{label}: this reading app cannot play video."


class BlocksExtension(ChapterExtension):
    processor = BlocksTreeprocessor
    name = "booklet-blocks"
    priority = 6
