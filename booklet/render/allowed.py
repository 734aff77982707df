"""The elements and attributes a chapter's markup may contain: an allow-list, not a deny-list.

XHTML for text, tables, figures and media; the SVG and MathML that EPUB 3 content uses. What
is not listed (``iframe``, ``object``, ``form``, ``foreignObject``, ``srcdoc``, ...) is refused,
so a script can enter an EPUB only through the booklet's own opt-in (``scripts = true``).
"""
from __future__ import annotations

XHTML_ELEMENTS = frozenset("""
a abbr address article aside audio b bdi bdo blockquote br caption cite code col colgroup data dd
del details dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header hgroup hr i img ins
kbd li main mark nav ol p picture pre q rp rt ruby s samp section small source span strong sub
summary sup table tbody td tfoot th thead time tr track u ul var video wbr button
""".split())

# Attributes every XHTML element may have, besides aria-*, data-* and epub:type.
GLOBAL_ATTRIBUTES = frozenset("id class title lang dir hidden role tabindex translate style".split())

ELEMENT_ATTRIBUTES = {
    "a": {"href", "hreflang", "rel", "type"},
    "img": {"src", "alt", "width", "height", "srcset", "sizes", "loading", "decoding"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "td": {"colspan", "rowspan", "headers"},
    "th": {"colspan", "rowspan", "headers", "scope", "abbr"},
    "col": {"span"}, "colgroup": {"span"},
    "time": {"datetime"}, "data": {"value"},
    "del": {"cite", "datetime"}, "ins": {"cite", "datetime"},
    "q": {"cite"}, "blockquote": {"cite"},
    "video": {"src", "poster", "controls", "width", "height", "loop", "muted", "preload", "playsinline"},
    "audio": {"src", "controls", "loop", "muted", "preload"},
    "source": {"src", "type", "media", "srcset", "sizes"},
    "track": {"src", "kind", "srclang", "label", "default"},
    "details": {"open"},
    # Only type="button" (checked in xhtml.py): inert, it cannot submit anything, and without
    # the booklet's own script it does nothing (the quiz's hidden "Show the answer").
    "button": {"type"},
    "script": {"src", "type", "async", "defer"},      # only with scripts = true
}

SVG_ELEMENTS = frozenset("""
svg g defs desc title symbol use image switch path rect circle ellipse line polyline polygon text
tspan textPath a clipPath mask pattern marker linearGradient radialGradient stop filter metadata view
feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting
feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur
feImage feMerge feMergeNode feMorphology feOffset fePointLight feSpecularLighting feSpotLight feTile
feTurbulence animate animateTransform animateMotion mpath set
""".split())

# Animation elements may not change an attribute that links or loads (issue 15: <animate
# attributeName="href" values="#r;javascript:..."> turned a link into a script).
SVG_ANIMATIONS = frozenset({"animate", "animateTransform", "animateMotion", "set"})
LINKING_ATTRIBUTES = frozenset({"href", "xlink:href", "src", "style", "action", "formaction", "data"})

MATHML_ELEMENTS = frozenset("""
math mi mn mo ms mtext mspace mrow mfrac msqrt mroot mstyle merror mpadded mphantom mfenced menclose
msub msup msubsup munder mover munderover mmultiscripts mprescripts none mtable mtr mtd mlabeledtr
maligngroup malignmark semantics annotation
""".split())

# Attributes whose value is a URL (or a list of them): each is checked for script URLs.
URL_ATTRIBUTES = frozenset({"href", "src", "poster", "cite", "srcset", "action", "formaction", "data",
                            "background", "values", "from", "to", "by"})

# Elements and attributes refused in their own words, because they are what an attacker tries.
REFUSED_WHY = {
    "iframe": "embeds another document", "object": "embeds a plug-in or document",
    "embed": "embeds a plug-in", "form": "sends data", "input": "is a form control",
    "button": "is a form control unless type=\"button\"", "select": "is a form control", "textarea": "is a form control",
    "meta": "can redirect or refresh the page", "link": "loads a resource", "base": "changes every link",
    "style": "belongs in the stylesheet", "frame": "embeds another document",
    "frameset": "embeds other documents", "applet": "runs a plug-in",
    "foreignObject": "embeds HTML inside SVG", "annotation-xml": "embeds HTML inside MathML",
}
REFUSED_ATTRIBUTES = {"srcdoc": "holds a whole document", "http-equiv": "can redirect or refresh the page",
                      "formaction": "sends data", "action": "sends data"}
