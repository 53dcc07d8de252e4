"""A saved web page becomes a `Document`, its main text found by trafilatura.

trafilatura reads the page from the bytes given (no URL is fetched): main
text with its links as Markdown, title, author, date and canonical address.
The text then goes through the same reading as a copied post (furniture
removed, "Sources" parsed, accounts and hashtags found).
"""

from __future__ import annotations

import datetime as dt
import re

from cartel.dates import parse_date
from cartel.importer.document import Document, detect_language
from cartel.importer.text import analyse_body, find_handles, find_hashtags, is_date_line, remove_boilerplate

_MARKDOWN_LINK = re.compile(r"(?<!!)\[([^\]\n]*)\]\((https?://[^)\s]+)\)")
_TITLE_TAG = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)


def read_html_document(data: bytes, file_name: str = "") -> Document:
    """Main text and metadata of a saved web page; a page with no text found is a warning, not a crash."""
    warnings: list[str] = []
    extracted = _extract(data)
    if extracted is not None and (extracted.text or "").strip():
        text = extracted.text
        title, author = (extracted.title or "").strip(), (extracted.author or "").strip()
        url, site, date = (extracted.url or "").strip(), (extracted.sitename or "").strip(), _iso(extracted.date)
    else:
        text = _whole_page_text(data)
        title, author, url, site, date = _title_tag(data), "", "", "", None
        warnings.append("main text not found: the whole text of the page was kept")
    text = _one_paragraph_per_line(text)
    lines, removed, authors = remove_boilerplate(text)
    removed = tuple(re.sub(r"^lines? [\d-]+: ", "", r) for r in removed)   # line numbers of the extract mean nothing
    lines = _without_title_and_date(lines, title)
    body = analyse_body(lines)
    links = tuple(dict.fromkeys((label.strip(), target) for label, target in _MARKDOWN_LINK.findall(text)))
    plain = _MARKDOWN_LINK.sub(r"\1", "\n".join(line.text for line in lines))
    if not title:
        title = file_name
        warnings.append("the page has no title: file name used")
    if date is None:
        warnings.append("no date found: add `date:`")
    if not url.startswith(("http://", "https://")):
        url = ""
        warnings.append("no source URL found: add `source:` and the link in the heading")
    return Document(
        title=" ".join(title.split()), date=date, source_url=url, author=author or (authors[0] if authors else ""),
        site=site, paragraphs=tuple(_MARKDOWN_LINK.sub(r"\1", p) for p in body.prose), sources=body.sources,
        handles=find_handles(plain), hashtags=find_hashtags(plain), links=links,
        language=detect_language(plain), original=text, removed=removed, warnings=tuple(warnings),
    )


def _extract(data: bytes):
    """trafilatura's document, or None when it finds no article."""
    import trafilatura  # heavy: loaded only when a page is imported

    options = dict(with_metadata=True, include_links=True, include_comments=False, include_tables=True,
                   include_images=False, date_extraction_params={"extensive_search": True, "original_date": True})
    try:
        document = trafilatura.bare_extraction(data, **options)
        if document is None or not (document.text or "").strip():
            document = trafilatura.bare_extraction(data, favor_recall=True, **options)
    except Exception:  # noqa: BLE001 - a malformed page must be a warning, never a crash
        return None
    return document


def _whole_page_text(data: bytes) -> str:
    from trafilatura import html2txt

    try:
        return html2txt(data) or ""
    except Exception:  # noqa: BLE001
        return ""


def _title_tag(data: bytes) -> str:
    match = _TITLE_TAG.search(data)
    if not match:
        return ""
    import html

    return " ".join(html.unescape(match.group(1).decode("utf-8", "replace")).split())


def _one_paragraph_per_line(text: str) -> str:
    """trafilatura puts one paragraph per line; blank lines between make them blocks."""
    return "\n\n".join(line for line in text.split("\n") if line.strip())


def _without_title_and_date(lines: list, title: str) -> list:
    """The page's own title and date lines, which trafilatura leaves at the top of the text."""
    index = 0
    while index < len(lines) and index < 6:
        text = lines[index].text
        if text and not ((title and _same(text, title)) or is_date_line(text)):
            break
        index += 1
    return lines[index:]


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold().strip(" #") == " ".join(b.split()).casefold()


def _iso(value) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return parse_date(str(value))
