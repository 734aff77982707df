"""XHTML for a rendered figure: image, tap targets, live SVG labels, a visible key,
and the footnote asides the tap targets open.

The fragment uses the ``epub:`` prefix and the SVG default namespace; the
pipeline parses it inside an element declaring the XHTML namespace and
``xmlns:epub="http://www.idpf.org/2007/ops"``.
"""
from __future__ import annotations

import re
from xml.sax.saxutils import escape

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


def _text(value: str) -> str:
    return escape(value)


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;", "\n": "&#10;", "\t": "&#9;", "\r": "&#13;"})


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


def _kind(item: Marker | Zone) -> str:
    return "trigger point" if isinstance(item, Marker) else KIND_TEXT[item.kind]


def _aria(item: Marker | Zone) -> str:
    """The tap target's name: the label, plus what it is unless the label says so."""
    kind = _kind(item)
    number = getattr(item, "number", None)
    label = item.label if number is None else f"{number}: {item.label}"
    if kind in item.label.lower():
        return label
    return f"{label} ({kind})"


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


def figure_markup(fig: Figure, image_href: str, width: int, height: int, alt: str,
                  caption: str | None = None, id_prefix: str = "fig") -> tuple[str, list[str]]:
    """The XHTML of one figure, and the footnote asides its tap targets open.

    ``width`` and ``height`` are those of the rendered image (``RenderedImage``);
    ``id_prefix`` becomes the figure's id and prefixes every aside id
    (``{id_prefix}-{marker or zone id}``), so it must be unique in the chapter;
    characters not allowed in an id are replaced by '-' (see :func:`safe_id`).
    """
    id_prefix = safe_id(id_prefix)
    width, height = int(width), int(height)
    alt = alt if alt and alt.strip() else (fig.title or "")
    aspect = width / height if height else 1.0
    items = _ordered(fig)

    taps = []
    key = []
    asides = []
    for item in items:
        target = f"{id_prefix}-{item.id}"
        x, y = _tap_point(item, aspect)
        if isinstance(item, Marker):
            kind_class = "tap-marker"
            key_class = "key-marker"
        else:
            kind_class = f"tap-zone tap-{item.kind}"
            key_class = f"key-zone key-{item.kind}"
        kind = _kind(item)
        taps.append(f'<a class="tap {kind_class}" epub:type="noteref" role="doc-noteref" '
                    f'href="#{target}" style="left:{_pct(x)};top:{_pct(y)}" '
                    f'aria-label="{_attr(_aria(item))}"></a>')
        kind_span = ("" if kind in item.label.lower()
                     else f' <span class="key-kind">({kind})</span>')
        number = getattr(item, "number", None)
        number_span = "" if number is None else f'<span class="key-number">{number}</span> '
        key.append(f'<dt class="{key_class}">{number_span}{_text(item.label)}{kind_span}</dt>'
                   f"<dd>{_text(item.note)}</dd>")
        asides.append(f'<aside epub:type="footnote" role="doc-footnote" id="{target}">'
                      f"<p><strong>{_text(_run_in(item.label))}</strong> {_text(item.note)}</p>"
                      f"</aside>")
    if fig.callouts:
        names = "; ".join(_text(c.text.replace("\n", " ")) for c in fig.callouts)
        key.append(f'<dt class="key-labels">Labelled on the figure</dt><dd>{names}</dd>')

    parts = [f'<figure class="tp-figure" id="{id_prefix}">',
             # At most 88% of the screen's height, so a figure and its legend fit one page in
             # landscape too; clamping the box, not the image, keeps the overlay aligned.
             f'<div class="tp-figure-media" style="max-width:calc(88vh * {width / height:.4f})">',
             f'<img src="{_attr(image_href)}" alt="{_attr(alt)}" width="{width}" height="{height}"/>']
    if taps:
        parts.append('<div class="tp-taps">' + "".join(taps) + "</div>")
    svg = _svg(fig, width, height)
    if svg:
        parts.append(svg)
    parts.append("</div>")
    if key:
        parts.append('<dl class="figure-key">' + "".join(key) + "</dl>")
    if caption is not None:
        parts.append(f"<figcaption>{_text(caption)}</figcaption>")
    parts.append("</figure>")
    return "\n".join(parts), asides
