"""XHTML for a rendered figure: image, tap targets, live SVG labels, a visible key,
and the footnote asides the tap targets open.

The fragment uses the ``epub:`` prefix and the SVG default namespace; the
pipeline parses it inside an element declaring the XHTML namespace and
``xmlns:epub="http://www.idpf.org/2007/ops"``.
"""
from __future__ import annotations

import re

from .load import ID_RE
from .model import Figure, Marker, Zone
from .render import callout_geometry, interior_point

SVG_NS = "http://www.w3.org/2000/svg"
LABEL_FONTS = "Lato, Helvetica Neue, Helvetica, Arial, sans-serif"
KIND_TEXT = {"essential": "essential referred pain", "spillover": "spillover referred pain"}


def safe_id(value: str) -> str:
    """``value`` as an id of [A-Za-z][A-Za-z0-9_-]*: other characters become '-'."""
    if ID_RE.match(value):
        return value
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", value).strip("-") or "fig"
    return cleaned if cleaned[0].isalpha() else "fig-" + cleaned


# Escaped by hand: xml.sax.saxutils imports urllib.request and http.client (18 ms a process).
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\t": "&#9;",
                       "\r": "&#13;"})


def _text(value: str) -> str:
    return value.translate(_TEXT)


def _attr(value: str) -> str:
    return value.translate(_ATTR)


def _num(value: float) -> str:
    """A compact, stable number for SVG attributes."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _run_in(label: str) -> str:
    """'Medial trigger point' -> 'Medial trigger point.' (a run-in heading)."""
    return label if label[-1:] in ".!?:" else label + "."


def _ordered(fig: Figure) -> list[Marker | Zone]:
    """Markers in file order, each followed by its zones; then zones of no marker."""
    items: list[Marker | Zone] = []
    for m in fig.markers:
        items.append(m)
        items.extend(z for z in fig.zones if z.for_ == m.id)
    items.extend(z for z in fig.zones if z.for_ is None)
    return items


def _kind(item: Marker | Zone, marker: str = "trigger point") -> str:
    # The legend names what an X is ("Landmark" on an anatomy figure): so must the key.
    return marker if isinstance(item, Marker) else KIND_TEXT[item.kind]


def _numbered(item: Marker | Zone) -> str:
    number = getattr(item, "number", None)
    return item.label if number is None else f"{number}: {item.label}"


def _aria(item: Marker | Zone, marker: str) -> str:
    """The tap target's name: the label, plus what it is unless the label says so."""
    kind = _kind(item, marker)
    if kind in item.label.lower():
        return _numbered(item)
    return f"{_numbered(item)} ({kind})"


def _tap_point(item: Marker | Zone, aspect: float) -> tuple[float, float]:
    if isinstance(item, Marker):
        return (item.x, item.y)
    if item.tap is not None:
        return item.tap
    return interior_point(item.outline, aspect)


def _svg(fig: Figure, width: int, height: int) -> str:
    texts = []
    for c in fig.callouts:
        geo = callout_geometry(c, width, height)
        fs = geo["font_size"]
        lines = c.text.split("\n")
        # centre the block of lines on text_y; 0.35em moves a baseline to the x-height middle
        first = geo["text_y"] + 0.35 * fs - 0.6 * fs * (len(lines) - 1)
        x = _num(geo["text_x"])
        if len(lines) == 1:
            body = _text(lines[0])
        else:
            body = "".join(
                f'<tspan x="{x}" y="{_num(first + 1.2 * fs * n)}">{_text(line)}</tspan>'
                for n, line in enumerate(lines))
        texts.append(f'<text x="{x}" y="{_num(first)}" text-anchor="{geo["anchor"]}">'
                     f"{body}</text>")
    if not texts:
        return ""
    fs = callout_geometry(fig.callouts[0], width, height)["font_size"]
    joined = "".join(texts)
    return (f'<svg xmlns="{SVG_NS}" viewBox="0 0 {width} {height}" class="tp-overlay" '
            f'aria-hidden="true">'
            f'<g font-family="{LABEL_FONTS}" font-size="{fs}" font-weight="bold">'
            f'<g fill="#ffffff" stroke="#ffffff" stroke-width="{_num(fs * 0.24)}" '
            f'stroke-linejoin="round">{joined}</g>'
            f'<g fill="#1e1e1e">{joined}</g>'
            f"</g></svg>")


def _note_key(item: Marker | Zone, marker: str) -> tuple[str, str, str]:
    """What makes two figures' notes the same note: label, kind and text."""
    return (item.label, _kind(item, marker), item.note)


def _key_aside(item: Marker | Zone, target: str, marker: str) -> str:
    """One entry of the key: a footnote aside popup readers hide and open on tap."""
    kind = _kind(item, marker)
    number = getattr(item, "number", None)
    number_span = "" if number is None else f'<span class="key-number">{number}</span> '
    if kind in item.label.lower():
        head = f"<strong>{number_span}{_text(_run_in(item.label))}</strong>"
    else:
        head = f'<strong>{number_span}{_text(item.label)}</strong> <span class="key-kind">({kind}).</span>'
    css = "key-marker" if isinstance(item, Marker) else f"key-zone key-{item.kind}"
    return (f'<aside epub:type="footnote" role="doc-footnote" id="{target}" class="{css}">'
            f"<p>{head} {_text(item.note)}</p></aside>")


def _tap(item: Marker | Zone, href: str, aspect: float, marker: str) -> str:
    x, y = _tap_point(item, aspect)
    css = "tap-marker" if isinstance(item, Marker) else f"tap-zone tap-{item.kind}"
    return (f'<a class="tap {css}" epub:type="noteref" role="doc-noteref" '
            f'href="#{href}" style="left:{_pct(x)};top:{_pct(y)}" '
            f'aria-label="{_attr(_aria(item, marker))}"></a>')


def _shared_line(items: list[tuple[Marker | Zone, str]]) -> str:
    """Point at the notes an earlier figure of the chapter already holds, by label."""
    links = ", ".join(f'<a epub:type="noteref" role="doc-noteref" href="#{target}">{_text(item.label)}</a>'
                      for item, target in items)
    return f'<p class="key-shared">Also marked on this figure: {links}.</p>'


def figure_markup(fig: Figure, image_href: str, width: int, height: int, alt: str,
                  caption: str | None = None, id_prefix: str = "fig",
                  written: dict | None = None) -> tuple[str, list[str]]:
    """The XHTML of one figure, and the key to place right after it.

    The key is a list of footnote asides, one per marker and zone, that the tap
    targets open: popup readers hide them and open them on tap, other readers show
    them under the figure. ``written`` maps notes already in the chapter to their ids
    (and is updated): a note another figure holds is linked to, not written again,
    from a last "Also marked" line of the key.
    ``width`` and ``height`` are those of the rendered image (``RenderedImage``);
    ``id_prefix`` becomes the figure's id and prefixes every aside id
    (``{id_prefix}-{marker or zone id}``), so it must be unique in the chapter;
    characters not allowed in an id are replaced by '-' (see :func:`safe_id`).
    """
    id_prefix = safe_id(id_prefix)
    width, height = int(width), int(height)
    alt = alt if alt and alt.strip() else (fig.title or "")
    aspect = width / height if height else 1.0
    written = {} if written is None else written
    taps, asides, shared = [], [], []
    marker = fig.legend.marker.lower()
    for item in _ordered(fig):
        target = written.get(_note_key(item, marker))
        if target is None:
            target = written[_note_key(item, marker)] = f"{id_prefix}-{item.id}"
            asides.append(_key_aside(item, target, marker))
        else:
            shared.append((item, target))
        taps.append(_tap(item, target, aspect, marker))
    key = []
    if fig.callouts:
        names = "; ".join(_text(c.text.replace("\n", " ")) for c in fig.callouts)
        key.append(f'<p class="key-labels">Labelled on the figure: {names}.</p>')
    if shared:
        # In the key, not the figure: the figure stays short enough for one page in MuPDF.
        asides.append(_shared_line(shared))
    return _figure(fig, image_href, width, height, alt, caption, id_prefix, taps, key), asides


def _figure(fig: Figure, image_href: str, width: int, height: int, alt: str, caption: str | None,
            id_prefix: str, taps: list[str], key: list[str]) -> str:
    """The figure element: image, tap targets, label layer, caption and any key lines."""
    parts = [f'<figure class="tp-figure" id="{id_prefix}">',
             # At most 88% of the screen's height, so a figure and its legend fit one page in
             # landscape too; clamping the box, not the image, keeps the overlay aligned.
             # The first max-width is for engines that drop calc() (MuPDF).
             f'<div class="tp-figure-media" style="max-width:100%;max-width:calc(88vh * {width / height:.4f})">',
             f'<img src="{_attr(image_href)}" alt="{_attr(alt)}" width="{width}" height="{height}"/>']
    if taps:
        parts.append('<div class="tp-taps">' + "".join(taps) + "</div>")
    svg = _svg(fig, width, height)
    if svg:
        parts.append(svg)
    parts.append("</div>")
    parts.extend(key)
    if caption is not None:
        parts.append(f"<figcaption>{_text(caption)}</figcaption>")
    parts.append("</figure>")
    return "\n".join(parts)
