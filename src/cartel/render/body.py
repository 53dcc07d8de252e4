"""A note's Markdown to safe HTML.

The parse stage recorded byte ranges to replace (links, embeds, tags,
highlights, callouts, anchors). Here each becomes Markdown or inline HTML,
pyromark writes the HTML, nh3 sanitises it with an allow-list (or, for a note
whose markup is known, `render.known_markup` writes what nh3 would), and only
then are cartel's own trusted fragments (note embeds, PDF viewers) put in place.
"""

from __future__ import annotations

import re
from html import escape

import nh3

from cartel.link import Site, Target
from cartel.parse import Note
from cartel.parse.markdown import MARKDOWN, Link, Splice
from cartel.render.known_markup import as_sanitised, markup_is_known
from cartel.slug import slugify, tag_url

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "details",
    "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
    "input", "ins", "kbd", "li", "mark", "ol", "p", "picture", "pre", "q", "s", "samp", "section", "small",
    "source", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time",
    "tr", "u", "ul", "var", "wbr",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading", "srcset", "sizes", "decoding"},
    "source": {"srcset", "type", "media", "sizes", "src"},
    "input": {"type", "checked", "disabled"},
    "td": {"style", "colspan", "rowspan"},
    "th": {"style", "colspan", "rowspan", "scope"},
    "ol": {"start", "reversed"},
    "details": {"open"},
    "time": {"datetime"},
    "blockquote": {"cite"},
}
SANITIZER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript", "textarea", "select"},
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes={"http", "https", "mailto", "tel"},
    filter_style_properties={"text-align"},
    link_rel=None,
)

_FRAGMENT = re.compile("\ue000(\\d+)\ue001")
_BLOCK_FRAGMENT = re.compile("<p>\ue000(\\d+)\ue001</p>")
_CALLOUT_OPEN = re.compile(
    r'<blockquote>\s*<p><span class="callout-marker" data-callout="([a-z0-9-]+)" data-fold="([+-]?)">(.*?)</span>(\s*</p>)?')
_BLOCK_ID = re.compile(r'<(p|li)>((?:(?!</?\1[ >]).)*?)<span class="block-id" id="([^"]+)"></span>', re.DOTALL)
_MD_LINK = re.compile(r"^(!?\[.*\])\((.*)\)$", re.DOTALL)
_SIZE = re.compile(r"^\s*(\d{1,4})(?:\s*x\s*(\d{1,4}))?\s*$")
PDF_EXTENSIONS = (".pdf",)
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".avif", ".bmp")


def sanitize(html: str) -> str:
    """Allow-list sanitising of note HTML: no script, handler, `javascript:` or foreign frame survives."""
    return SANITIZER.clean(html)


class BodyRenderer:
    """Renders note bodies for one site; embeds recurse with a stack for cycles."""

    def __init__(self, site: Site, strings: dict):
        self.site = site
        self.strings = strings
        self.max_depth = site.config.max_embed_depth

    def render(self, note: Note, stack: tuple[str, ...] = (), replace: dict | None = None,
               span: tuple[int, int] | None = None, prepare=None) -> str:
        """The sanitised HTML of a note's body, with its embeds.

        `replace` maps byte ranges of the body to trusted HTML put in their place (a question's
        ranked list becomes cards); `span` renders only that byte range, its spliced Markdown
        first passed through `prepare` (a card's summary).
        """
        stack = stack + (note.path,)
        trusted: list[str] = []
        source = self._splice(note, stack, trusted, replace, span)
        if prepare is not None:
            source = prepare(source)
        html = MARKDOWN.html(source)
        html = _callouts(html, self.strings)
        if "block-id" in html:
            html = _BLOCK_ID.sub(r'<\1 id="\3">\2', html)
        html = (markup_is_known(note) and as_sanitised(html)) or sanitize(html)
        if trusted:
            html = _BLOCK_FRAGMENT.sub(lambda m: trusted[int(m.group(1))], html)
            html = _FRAGMENT.sub(lambda m: trusted[int(m.group(1))], html)
        return html

    # -- splicing ---------------------------------------------------------
    def _splice(self, note: Note, stack: tuple[str, ...], trusted: list[str], replace: dict | None = None,
                span: tuple[int, int] | None = None) -> str:
        data = note.body.text.encode("utf-8")
        if not note.body.splices and not replace and span is None:
            return note.body.text
        low, high = span or (0, len(data))
        cuts = sorted((replace or {}).items())
        targets = self.site.targets.get(note.path, ())
        out: list[bytes] = []
        position = low
        for (start, end), html in cuts:
            trusted.append(html)
            placeholder = f"\n\n\ue000{len(trusted) - 1}\ue001\n\n"
            out.append(self._splice_range(note, data, position, start, targets, stack, trusted))
            out.append(placeholder.encode("utf-8"))
            position = max(position, end)
        out.append(self._splice_range(note, data, position, high, targets, stack, trusted))
        return b"".join(out).decode("utf-8", "replace")

    def _splice_range(self, note: Note, data: bytes, low: int, high: int, targets, stack, trusted) -> bytes:
        """The bytes from `low` to `high` with each splice wholly inside replaced."""
        out: list[bytes] = []
        position = low
        for splice in note.body.splices:
            if splice.start < low or splice.end > high:
                continue
            out.append(data[position:splice.start])
            original = data[splice.start:splice.end].decode("utf-8", "replace")
            out.append(self._replacement(note, splice, original, targets, stack, trusted).encode("utf-8"))
            position = splice.end
        out.append(data[position:high])
        return b"".join(out)

    def _replacement(self, note, splice: Splice, original: str, targets, stack, trusted) -> str:
        kind = splice.kind
        if kind == "link":
            link = note.body.links[splice.ref]
            target = targets[splice.ref] if splice.ref < len(targets) else Target("unresolved")
            return self._link(link, target, original, stack, trusted)
        if kind == "anchor":
            return f" {{#{splice.value}}}"
        if kind == "tag":
            return f'<a class="tag" href="{tag_url(splice.value)}">#{escape(splice.value)}</a>'
        if kind == "highlight-open":
            return "<mark>"
        if kind == "highlight-close":
            return "</mark>"
        if kind == "block-id":
            return f' <span class="block-id" id="^{escape(splice.value)}"></span>'
        if kind == "callout":
            callout, fold, title = (splice.value.split("|", 2) + ["", ""])[:3]
            return (f'<span class="callout-marker" data-callout="{escape(slugify(callout, "note"))}" '
                    f'data-fold="{escape(fold)}">{escape(title)}</span>')
        return original

    def _link(self, link: Link, target: Target, original: str, stack, trusted: list[str]) -> str:
        if target.status == "external":
            return original
        if link.embed:
            return self._embed(link, target, original, stack, trusted)
        text = self._link_text(link)
        if target.status in ("note", "self", "asset"):
            if not link.wiki:
                match = _MD_LINK.match(original)
                if match:
                    return f"{match.group(1)}(<{target.url}>)"
            if link.wiki and link.label:
                return f'<a class="internal" href="{escape(target.url)}">{link.label}</a>'
            return f'<a class="internal" href="{escape(target.url)}">{escape(text)}</a>'
        if target.status == "draft":
            return f'<span class="draft-link">{escape(link.label or text)}</span>'
        return (f'<span class="unresolved" title="{escape(self.strings["unresolved_title"])}">'
                f"{escape(link.label or text)}</span>")

    @staticmethod
    def _link_text(link: Link) -> str:
        if not link.wiki:
            return link.label or link.target
        shown = link.target
        if link.fragment:
            fragment = link.fragment.lstrip("^") if link.fragment.startswith("^") else link.fragment.replace("#", " › ")
            shown = f"{shown} › {fragment}" if shown else fragment
        return shown

    def _embed(self, link: Link, target: Target, original: str, stack, trusted: list[str]) -> str:
        if target.status == "asset":
            return self._embed_asset(link, target, original, trusted)
        if target.status not in ("note", "self"):
            return (f'<span class="unresolved" title="{escape(self.strings["unresolved_title"])}">'
                    f"{escape(link.label or link.target)}</span>")
        embedded = self.site.by_path.get(target.path)
        if embedded is None or target.path in stack or len(stack) > self.max_depth:
            title = embedded.title if embedded else link.target
            return f'<a class="internal" href="{escape(target.url)}">{escape(title)}</a>'
        html = self.render(embedded, stack)
        if target.anchor and not target.anchor.startswith("^"):
            html = _section(html, target.anchor)
        trusted.append(
            f'<section class="embed" aria-label="{escape(embedded.title)}">{html}'
            f'<p class="embed-source"><a href="{escape(target.url)}">{escape(self.strings["embed_source"])} {escape(embedded.title)}</a></p></section>')
        return f"\ue000{len(trusted) - 1}\ue001"

    def _embed_asset(self, link: Link, target: Target, original: str, trusted: list[str]) -> str:
        url = target.url
        lower = target.path.lower()
        if lower.endswith(IMAGE_EXTENSIONS):
            if not link.wiki:
                match = _MD_LINK.match(original)
                return f"{match.group(1)}(<{url}>)" if match else original
            size = _SIZE.match(link.label or "")
            alt = "" if size else link.label
            alt = alt or target.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            attributes = ""
            if size:
                attributes += f' width="{size.group(1)}"' + (f' height="{size.group(2)}"' if size.group(2) else "")
            return f'<img src="{escape(url)}" alt="{escape(alt)}" loading="lazy"{attributes}>'
        name = link.label or target.path.rsplit("/", 1)[-1]
        if lower.endswith(PDF_EXTENSIONS):
            trusted.append(
                f'<figure class="pdf"><object data="{escape(url)}" type="application/pdf" aria-label="{escape(name)}">'
                f'</object><figcaption><a href="{escape(url)}">{escape(self.strings["pdf_open"])} {escape(name)}</a></figcaption></figure>')
            return f"\ue000{len(trusted) - 1}\ue001"
        return f'<a class="attachment" href="{escape(url)}">{escape(name)}</a>'


def _callouts(html: str, strings: dict) -> str:
    if "callout-marker" not in html:
        return html

    def opening(match: re.Match) -> str:
        kind, fold, title = match.group(1), match.group(2), match.group(3)
        title = title or strings.get(f"callout_{kind}", kind.capitalize())
        rest = "" if match.group(4) else "<p>"
        if not fold:
            return f'<blockquote class="callout callout-{kind}"><p class="callout-title">{title}</p>{rest}'
        # A foldable callout (`[!note]-` folded, `[!note]+` unfolded) is a <details>; _close_folds closes it.
        return (f'<blockquote class="callout callout-{kind} callout-foldable"><details{" open" if fold == "+" else ""}>'
                f'{_FOLD}<summary class="callout-title">{title}</summary>{rest}')

    html = _close_folds(_CALLOUT_OPEN.sub(opening, html.replace(_FOLD, "")))
    return html.replace("<p></p>", "")


_FOLD = "\ue002"  # marks where a foldable callout opened, until its </details> is placed
_FOLD_OR_BLOCKQUOTE = re.compile("\ue002|<(/?)blockquote[\\s>]")


def _close_folds(html: str) -> str:
    """Close each foldable callout's <details> right before its own </blockquote>, in one pass."""
    if _FOLD not in html:
        return html
    parts, depth, folds, last = [], 0, [], 0
    for token in _FOLD_OR_BLOCKQUOTE.finditer(html):
        parts.append(html[last:token.start()])
        last = token.end()
        if token.group(0) == _FOLD:
            folds.append(depth)  # the depth of the callout's own blockquote, opened just before
            continue
        if token.group(1):
            if folds and folds[-1] == depth:
                parts.append("</details>")
                folds.pop()
            depth -= 1
        else:
            depth += 1
        parts.append(token.group(0))
    parts.append(html[last:])
    return "".join(parts) + "</details>" * len(folds)


def _section(html: str, anchor: str) -> str:
    """The part of rendered HTML from the heading with this id to the next heading of its level or above."""
    match = re.search(rf'<h([1-6]) id="{re.escape(anchor)}">', html)
    if not match:
        return html
    level = int(match.group(1))
    end = re.compile(rf"<h[1-{level}][ >]").search(html, match.end())
    return html[match.start(): end.start() if end else len(html)]
