"""The context of a note page, by type.

Every note: its body, tags, date, breadcrumbs, "Mentionné dans" and its local
graph. A question's ranked list becomes cards and its "Voir également" a list
of related questions, each in place. A resource gets a "Consulter la
ressource" link under its title and "Apparaît dans": the questions that rank
it, with the rank. A note with children in the navigation lists them.
"""

from __future__ import annotations

import re
from html import escape, unescape

from cartel.graph import LOCAL_LIMIT, draw_local_graph, neighbours
from cartel.link import Site
from cartel.model import clean_summary, domain_of
from cartel.parse import Note, strip_markup
from cartel.render import (SiteRenderer, breadcrumbs, entry_summary, first_image, format_date, shorten,
                           tag_url)

TYPE_TAGS = frozenset({"question", "questions", "ressource", "ressources", "resource", "resources"})


def note_context(renderer: SiteRenderer, note: Note) -> dict:
    """Everything `note.html` shows for one note."""
    site, t = renderer.site, renderer.strings
    replace: dict[tuple[int, int], str] = {}
    context: dict = {}
    if note.path in site.questions:
        context.update(question_parts(renderer, note, replace))
    if note.path in site.resources:
        context.update(resource_parts(renderer, note, replace))
    first_h1 = next((h for h in note.body.headings if h.level == 1), None)
    appears = context.get("appears_in", [])
    listed = {entry["path"] for entry in appears}
    nearby = neighbours(site, note.path)
    context.update({
        "kind": note.type, "note_type": note.type, "url": site.urls[note.path], "title": note.title,
        "body": label_task_boxes(renderer.bodies.render(note, replace=replace)),
        "show_title": first_h1 is None,
        "description": entry_summary(site, note),
        "image": first_image(note, site),
        "date": note.date, "date_display": format_date(note.date, renderer.config.language),
        "tags": [{"name": tag, "url": tag_url(tag)} for tag in note.tags],
        "backlinks": [note_link(site, p) for p in site.backlinks.get(note.path, ()) if p not in listed],
        "breadcrumbs": breadcrumbs(note, site, t),
        "children": [renderer.note_item(p) for p in site.hierarchy.children.get(note.path, ())],
        "graph": draw_local_graph(nearby),
        "graph_hidden": max(0, len(nearby) - LOCAL_LIMIT),
    })
    return context


_TASK_BOX = re.compile(r'(<input [^>]*type="checkbox"[^>]*>)((?:(?!<(?:/li|ul|ol|li|p|/p)\b).)*)', re.S)
_TAGS = re.compile(r"<[^>]+>")


def label_task_boxes(html: str) -> str:
    """A task list's read-only checkboxes get their item's text as label, so assistive technology names them."""
    if 'type="checkbox"' not in html:
        return html

    def label(match: re.Match) -> str:
        box, rest = match.group(1), match.group(2)
        text = " ".join(unescape(_TAGS.sub("", rest)).split())
        if not text:
            return match.group(0)
        if "<a " in rest:  # a link inside a label would be clicked through it: name the box apart
            return f'<label>{box}<span class="visually-hidden">{escape(text)}</span></label>{rest}'
        return f"<label>{box}{rest}</label>"

    return _TASK_BOX.sub(label, html)


def note_link(site: Site, path: str) -> dict:
    """Title, URL, type and path of a note, for lists."""
    note = site.by_path[path]
    return {"title": note.title, "url": site.urls[path], "type": note.type, "path": path}


def note_item(site: Site, path: str) -> dict:
    """A note for a list with its summary and, for a question, how many resources it ranks."""
    item = note_link(site, path)
    note = site.by_path[path]
    item["summary"] = shorten(entry_summary(site, note), 160)
    item["date"] = note.date
    question = site.questions.get(path)
    item["count"] = len(question.ranked) if question else None
    return item


# -- questions ---------------------------------------------------------------

def question_parts(renderer: SiteRenderer, note: Note, replace: dict) -> dict:
    """The ranked list as cards and the related questions as a list, each put where the note has them."""
    site = renderer.site
    question = site.questions[note.path]
    targets = site.targets.get(note.path, ())
    cards = [ranked_card(renderer, note, item, targets[item.link]) for item in question.ranked]
    related = [linked(renderer, note, index) for index in question.related]
    if cards and question.list_start >= 0:
        level = _level_after_heading(note, question.list_start)
        html = renderer.env.get_template("partials/ranked.html").render(
            cards=cards, heading=level is None, card_level=(level or 2) + 1, t=renderer.strings)
        replace[(question.list_start, question.list_end)] = html
    overlaps = lambda start, end: question.list_start < end and start < question.list_end
    free = [r for r in question.related_ranges if not overlaps(*r)]
    if related and free:
        html = renderer.env.get_template("partials/related.html").render(related=related, t=renderer.strings)
        replace[free[0]] = html
        for extra in free[1:]:
            replace[extra] = ""
    return {"cards": cards, "related": related}


def ranked_card(renderer: SiteRenderer, note: Note, item, target) -> dict:
    """One card: rank, title and link, the question's summary, the source's domain, kind and language tags."""
    site = renderer.site
    link = note.body.links[item.link]
    card = {"rank": item.rank, "url": "", "title": link.label or link.target, "summary": "", "domain": "",
            "labels": [], "status": target.status}
    if item.start >= 0 and item.end > item.start:
        card["summary"] = _inline(renderer.bodies.render(note, span=(item.start, item.end), prepare=clean_summary))
    if target.status in ("note", "self") and target.path in site.by_path:
        other = site.by_path[target.path]
        card.update(url=target.url, title=other.title, labels=tag_labels(other.tags, renderer.strings))
        resource = site.resources.get(target.path)
        if resource is not None:
            card["domain"] = domain_of(resource.source_url)
            if not card["summary"]:
                card["summary_text"] = shorten(resource.summary, 220)
    elif target.status == "asset":
        card.update(url=target.url)
    return card


def tag_labels(tags: tuple[str, ...], strings: dict) -> list[str]:
    """A resource's kind and language tags as readers say them (`english` → `en anglais`); type tags left out."""
    return [strings.get(f"tag_{tag}", tag) for tag in tags if tag not in TYPE_TAGS]


def linked(renderer: SiteRenderer, note: Note, index: int) -> dict:
    """A link of the note as a list entry: title and URL when it resolves, the text as written otherwise."""
    site = renderer.site
    link = note.body.links[index]
    targets = site.targets.get(note.path, ())
    target = targets[index] if index < len(targets) else None
    if target is not None and target.status == "note" and target.path in site.by_path:
        entry = renderer.note_item(target.path)
        entry["url"] = target.url
        return entry
    return {"title": link.label or link.target, "url": "", "type": "", "path": "", "summary": "", "count": None}


def _level_after_heading(note: Note, start: int) -> int | None:
    """The level of a heading right before the list (nothing else between), or None."""
    before = [b for b in note.body.blocks if b.end <= start]
    if before and before[-1].kind == "heading":
        heading = next((h for h in note.body.headings if h.start == before[-1].start), None)
        return heading.level if heading else None
    return None


def _inline(html: str) -> str:
    """A single rendered paragraph without its `<p>`, so it sits inside the card's own."""
    html = html.strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


# -- resources -----------------------------------------------------------------

def resource_parts(renderer: SiteRenderer, note: Note, replace: dict) -> dict:
    """The source link under the title, and the questions that rank the resource."""
    site, t = renderer.site, renderer.strings
    resource = site.resources[note.path]
    source = {"url": resource.source_url, "domain": domain_of(resource.source_url)} if resource.source_url else None
    h1 = next((h for h in note.body.headings if h.level == 1), None)
    if h1 is not None:
        html = renderer.env.get_template("partials/resource_title.html").render(
            title=strip_markup(h1.text) or note.title, anchor=h1.anchor, source=source, t=t)
        replace[(h1.start, h1.end)] = html
    appears = []
    for question_path, rank in site.appears_in.get(note.path, ()):
        entry = note_link(site, question_path)
        entry.update(rank=rank, total=len(site.questions[question_path].ranked))
        appears.append(entry)
    return {"source": source, "appears_in": appears}
