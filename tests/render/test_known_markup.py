"""A body whose markup is known is written as the sanitiser would write it, byte for byte, and never with a
URL or tag the sanitiser would drop (cartel.render.known_markup)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import cartel.render.body as body
from cartel.build import load_site
from cartel.config import Config
from cartel.i18n import load_strings
from cartel.link import link_site
from cartel.model import clean_summary
from cartel.parse import parse_note
from cartel.render.body import BodyRenderer, sanitize
from cartel.render.known_markup import as_sanitised, markup_is_known
from cartel.scan import Source

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"

URLS = [
    "https://exemple.ch/a?b=1&c=2#f", "http://musee.example/chemin/", "/notes/x/", "fiche.pdf", "../autre.md",
    "mailto:info@musee.ch", "tel:+41221234567", "#ancre", "//cdn.example/x.png", "image%20un.png", "Fiche",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "vbscript:x", "file:///etc/passwd",
    "HTTP://EXEMPLE.CH", "http://1.2.3.999/", "http://exa_mple.com/", "http://xn--ab-cd.ch/", "https://a.ch:99999/",
    "http://[::1]/", "http://a.ch/été", "https://a.ch/\"q\"", "ftp://a.ch/", "http:/a.ch", "https://",
    "mailto:", "Mailto:x@y.ch", "http://a.ch./", "https://a-.ch/",
]
WORDS = st.sampled_from([
    "musée", "l'œuvre", "L’inventaire", '"cité"', "a & b", "x > y", "a /> b", "prix\xa0:", "&nbsp;", "&eacute;",
    "&#39;", "&quot;", "&amp;", "Genève", "100\u202f%", "\\*pas*", "\x0b", "\x0c", "\ufdd0", "href=", "src=",
    "style=", "callout-marker", "%", "\t", "https://nu.example", "«\xa0guillemets\xa0»",
])
LABELS = st.text(alphabet="ab é'\"&*_~`[]=\\!#^.-", min_size=1, max_size=8).filter(lambda t: "|" not in t and t.strip())


@st.composite
def inline(draw) -> str:
    """One inline piece of Markdown."""
    kind = draw(st.sampled_from(["word", "em", "strong", "del", "code", "link", "image", "wiki", "wiki-label",
                                 "wiki-heading", "missing", "tag", "highlight", "crossing", "quoted", "footnote",
                                 "break", "raw", "embed"]))
    word = draw(WORDS)
    url = draw(st.sampled_from(URLS))
    title = draw(st.sampled_from(["", ' "titre"', " 'l\\'autre'", ' "a &amp; b"']))
    return {
        "word": word, "em": f"*{word}*", "strong": f"**{word}**", "del": f"~~{word}~~", "code": f"`{word}`",
        "link": f"[{word}]({url}{title})", "image": f"![{word}]({url}{title})", "wiki": "[[Fiche]]",
        "wiki-label": f"[[Fiche|{draw(LABELS)}]]", "wiki-heading": "[[Fiche#Sous-titre]]", "missing": "[[Absente]]",
        "tag": f"#{draw(st.sampled_from(['musée', 'tag/sous', 'x1']))}", "highlight": f"=={word}==",
        "crossing": f"=={word} *{word}== {word}*",  # highlight marks and emphasis that cross
        "quoted": draw(st.sampled_from(['![dit "oui"](https://a.ch/i.png)', "[x](https://a.ch 'dit \"oui\"')",
                                        '[[Absente|dit "oui"]]'])),
        "embed": draw(st.sampled_from(["![[image.png]]", "![[image.png|200]]", "![[image.png|120x80]]",
                                       "![[image.png|l'alt \"q\"]]", "![[doc.pdf]]", "[[doc.pdf]]", "![[Fiche]]",
                                       "![[Fiche#Sous-titre]]", "![image](image.png)"])),
        "footnote": "[^1]", "break": "  \n", "raw": draw(st.sampled_from(["<b>gras</b>", "{#id}", "<https://a.ch>"])),
    }[kind]


@st.composite
def block(draw) -> str:
    """One block of Markdown."""
    line = " ".join(draw(st.lists(inline(), min_size=1, max_size=5)))
    kind = draw(st.sampled_from(["paragraph", "heading", "list", "ordered", "tasks", "quote", "callout", "table",
                                 "code", "rule", "footnote", "block-id"]))
    if kind == "heading":
        return f"{'#' * draw(st.integers(1, 6))} {line}"
    if kind in ("list", "ordered", "tasks"):
        marker = {"list": "- ", "ordered": "1. ", "tasks": "- [x] "}[kind]
        items = draw(st.lists(st.just(line) | inline(), min_size=1, max_size=3))
        return "\n".join(marker + item.replace("\n", " ") for item in items)
    if kind == "quote":
        return "> " + line.replace("\n", "\n> ")
    if kind == "callout":
        fold = draw(st.sampled_from(["", "-", "+"]))
        return f"> [!{draw(st.sampled_from(['note', 'tip', 'Warning']))}]{fold} {draw(WORDS)}\n> {line.replace(chr(10), ' ')}"
    if kind == "table":
        align = draw(st.sampled_from(["---", ":--", "--:", ":-:"]))
        return f"| a | {draw(WORDS)} |\n| {align} | --- |\n| {line.replace(chr(10), ' ')} | x |"
    if kind == "code":
        return f"```{draw(st.sampled_from(['', 'python', 'x&y']))}\n{line}\n```"
    if kind == "rule":
        return "---"
    if kind == "footnote":
        return f"[^1]: {line}"
    if kind == "block-id":
        return f"{line.replace(chr(10), ' ')} ^bloc-1"
    return line


def _source(path: str, text: str) -> Source:
    return Source(path, "note", False, text.encode(), 0.0, str(hash(text)), text)


def _renderer(text: str) -> tuple[BodyRenderer, object]:
    config = Config(root=Path("."))
    sources = [_source("Note.md", text), _source("Fiche.md", "# Fiche\n\n## Sous-titre\n\nTexte.\n"),
               Source("image.png", "asset", False, b"png", 0.0, "1", ""), Source("doc.pdf", "asset", False, b"pdf", 0.0, "2", "")]
    site = link_site([parse_note(s, config) for s in sources], tuple(sources), config)
    return BodyRenderer(site, load_strings("fr")), site.by_path["Note.md"]


def _both_ways(renderer: BodyRenderer, note, monkeypatch, **how) -> tuple[str, str]:
    """The body rendered as the build does, and with the sanitiser always run."""
    fast = renderer.render(note, **how)
    with monkeypatch.context() as patched:
        patched.setattr(body, "markup_is_known", lambda note: False)
        slow = renderer.render(note, **how)
    return fast, slow


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(block(), min_size=1, max_size=6))
def test_a_body_is_written_as_the_sanitiser_writes_it(monkeypatch, blocks):
    text = "\n\n".join(blocks) + "\n"
    renderer, note = _renderer(text)
    fast, slow = _both_ways(renderer, note, monkeypatch)
    assert fast == slow
    for item in note.body.items:  # a question's cards render each ranked item's summary alone
        fast, slow = _both_ways(renderer, note, monkeypatch, span=(item.start, item.end), prepare=clean_summary)
        assert fast == slow


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(URLS), st.sampled_from(["a", "img"]))
def test_a_url_the_sanitiser_would_change_is_left_to_it(url, tag):
    from html import escape

    html = (f'<p><a href="{escape(url)}">x</a></p>' if tag == "a" else f'<p><img src="{escape(url)}" alt="x" /></p>')
    fast = as_sanitised(html)
    assert fast is None or fast == sanitize(html)


def test_plain_notes_take_the_short_way():
    text = ("# Titre\n\nUn musée, l'œuvre «\xa0vue\xa0» & [[Fiche|la fiche]] #tag.  \nSuite [lien](https://a.ch/x?y=1&z=2).\n\n"
            "- [ ] tâche\n\n| a | b |\n| :- | -: |\n| 1 | 2 |\n")
    renderer, note = _renderer(text)
    assert markup_is_known(note)
    html = body.MARKDOWN.html(text)
    assert as_sanitised(html) is not None and as_sanitised(html) == sanitize(html)


@pytest.mark.parametrize("text", ["a <b>x</b>", "# T {#id}", "a ==b *c== d*", "[[Fiche|*a*]] b*"])
def test_raw_html_attributes_highlights_and_marked_up_labels_go_to_the_sanitiser(text):
    _, note = _renderer(text + "\n")
    assert not markup_is_known(note)


def test_every_demo_note_is_written_as_the_sanitiser_writes_it(monkeypatch):
    config, _, site = load_site(DEMO)
    renderer = BodyRenderer(site, load_strings(config.language))
    known = 0
    for note in site.notes:
        fast, slow = _both_ways(renderer, note, monkeypatch)
        assert fast == slow, note.path
        known += markup_is_known(note)
    assert known >= len(site.notes) // 2  # the short way is the common one
