"""The sanitiser's output for a body made only of known markup, written without a second HTML parse.

Most notes hold no raw HTML: their HTML is pulldown-cmark's writer's, plus
cartel's own escaped spans (links, tags, callouts, anchors). nh3 can only
rewrite such HTML the way html5ever serialises it (`<br />` becomes `<br>`,
`&quot;` in text becomes `"`, a no-break space becomes `&nbsp;`, ...) and drop
the URLs it does not allow, yet it parses every body again: a tenth of a
build's rendering. `markup_is_known` tells, from the note, that its HTML can
only be such; `as_sanitised` then writes the sanitiser's output with a few
replacements, or returns None (a URL it does not vouch for, a character the
parser would change) and the sanitiser runs. A property test holds it to the
sanitiser's output byte for byte.
"""

from __future__ import annotations

import re

from cartel.parse import Note

# A pothole label is put in its link as written, Markdown and all: one with emphasis, code or brackets may
# cross the link's own tags, which the HTML parser would then move.
_LABEL_MARKUP = re.compile(r"[*_~`\[\]<>\\={}]")
_QUOTE_IN_ATTRIBUTE = re.compile(r'="[^"]*&quot;')  # stays `&quot;` there, while in text it becomes `"`
# URLs the sanitiser keeps as written: http(s) with a plain host name, mailto, tel, and relative ones; no
# control character or space (the URL parser strips them, and a scheme may hide behind them), no character
# reference but &amp;.
_HOST = r"(?![Xx][Nn]--)[A-Za-z0-9]++(?:-++[A-Za-z0-9]++)*+"  # letters and digits, inner hyphens; possessive: linear
_URL_REST = r"(?:[^\x00-\x20\x7f-\x9f\s\"<>\\&]|&amp;)*"
_SAFE_URL = (
    r"https?://(?:" + _HOST + r"\.)*+(?=[A-Za-z])" + _HOST + r"(?::[0-9]{1,4})?(?:[/?#]" + _URL_REST + r")?"
    r"|(?:mailto|tel):" + _URL_REST +
    r"|(?![A-Za-z][A-Za-z0-9+.-]*:)" + _URL_REST
)
# `href=` or `src=` not followed by a quoted URL the sanitiser keeps as written: an attribute written otherwise
# (even `href=` in text) leaves the page to the sanitiser. One pattern each: a literal start is searched fast.
_UNVOUCHED_URLS = tuple(re.compile(name + r'=(?!"(?:' + _SAFE_URL + r')")') for name in ("href", "src"))


def markup_is_known(note: Note) -> bool:
    """Whether the note's HTML can hold only pulldown-cmark's tags and cartel's own: no raw HTML, autolink or
    heading attributes (no `<` nor `{` in its Markdown), no highlight (its marks may cross emphasis), no pothole
    label with Markdown in it."""
    body = note.body
    if "<" in body.text or "{" in body.text:
        return False
    if any(splice.kind == "highlight-open" for splice in body.splices):
        return False
    return not any(link.wiki and link.label and _LABEL_MARKUP.search(link.label) for link in body.links)


def as_sanitised(html: str) -> str | None:
    """What the sanitiser returns for `html`, HTML of a note whose markup is known (`markup_is_known`), once its
    callouts are drawn; None when the sanitiser must decide."""
    # A CR or NUL the parser changes; a callout marker not drawn keeps attributes the sanitiser drops.
    if "\r" in html or "\x00" in html or "callout-marker" in html:
        return None
    if any(unvouched.search(html) for unvouched in _UNVOUCHED_URLS):
        return None
    if "&quot;" in html:
        if _QUOTE_IN_ATTRIBUTE.search(html) is not None:
            return None
        html = html.replace("&quot;", '"')
    if "/>" in html:
        html = html.replace(" />", ">").replace("/>", ">")
    if "style=" in html:
        html = html.replace('style="text-align: ', 'style="text-align:')
    if "<details open>" in html:
        html = html.replace("<details open>", '<details open="">')
    return html.replace("&#x27;", "'").replace("&#39;", "'").replace("\xa0", "&nbsp;")

