"""Generated pages: the home (when the vault has no `index.md`), the question and
resource lists, tag pages and the tags index, directory pages, the graph, 404
and the search page."""

from __future__ import annotations

from functools import partial
from typing import Callable, Iterator

from cartel.directory import Directory, facet_label, sort_key
from cartel.graph import global_graph, global_graph_inputs
from cartel.link import Site
from cartel.render import Page, SiteRenderer, format_date, has_graph, tag_url

GRAPH_URL = "/graphe/"
GRAPH = "graph"  # the graph page's name among the kept pages (`kept_pages`)
TYPE_LISTS = (("question", "/questions/", "all_questions"), ("resource", "/ressources/", "all_resources"))

# `keep(name, render)`: the page `name` (see `kept_pages`), rendered by `render()` or kept from a build before.
Keep = Callable[[str, Callable[[], Page]], Page]


def _render_now(name: str, render: Callable[[], Page]) -> Page:
    return render()


def generated_pages(renderer: SiteRenderer, keep: Keep | None = None) -> Iterator[Page]:
    """Every page that no note writes, one at a time; those of `kept_pages` through `keep`, when given."""
    site = renderer.site
    keep = keep or _render_now
    yield from tag_pages(renderer, keep)
    yield from type_lists(renderer, keep)
    if not any(site.urls[n.path] == "/" for n in site.notes):
        yield home_page(renderer)
    yield from (directory_page(renderer, d) for d in site.directories)
    if has_graph(site):
        yield keep(GRAPH, partial(graph_page, renderer))
    t = renderer.strings
    yield Page("/404.html", renderer.page("404.html", {"kind": "404", "url": "/404.html", "title": t["not_found_title"]}), "", "404")
    yield Page("/recherche/", renderer.page("search.html", {"kind": "search", "url": "/recherche/", "title": t["search"]}), "", "search")


def kept_pages(site: Site) -> dict[str, tuple[tuple[str, ...], tuple]]:
    """The generated pages a build may keep from one build to the next, by name: what each shows, as the notes
    it lists (in order) and other plain values.

    Besides the site-wide templates, strings and settings, a tag page or a
    list of questions or resources depends only on its notes' list entries
    (`note_item`: each note's own title, URL, type, summary, date and ranked
    count), and the graph page only on what `global_graph` reads: a build
    after one note changed renders again only the pages that show it.
    """
    kept: dict[str, tuple[tuple[str, ...], tuple]] = {tag_page_name(tag): (tuple(paths), ())
                                                      for tag, paths in site.tags.items()}
    for kind, _, _ in TYPE_LISTS:
        kept[type_list_name(kind)] = (tuple(n.path for n in site.notes if n.type == kind), ())
    if has_graph(site):
        kept[GRAPH] = ((), global_graph_inputs(site))
    return kept


def tag_page_name(tag: str) -> str:
    """A tag page's name among the kept pages."""
    return f"tag:{tag}"


def type_list_name(kind: str) -> str:
    """The name of the list of one note type among the kept pages."""
    return f"list:{kind}"


def tag_pages(renderer: SiteRenderer, keep: Keep) -> Iterator[Page]:
    """A page per tag, then the tags index with counts."""
    site, t = renderer.site, renderer.strings
    for tag, paths in site.tags.items():
        yield keep(tag_page_name(tag), partial(tag_page, renderer, tag, paths))
    by_count = sorted(site.tags.items(), key=lambda kv: sort_key(kv[0]))
    tags = [{"title": f"#{tag}", "url": tag_url(tag), "meta": f"({len(paths)})"} for tag, paths in by_count]
    yield renderer.listing("/tags/", t["all_tags"], [{"title": t["tags"], "count": len(tags), "items": tags, "style": "cloud"}], "tags")


def tag_page(renderer: SiteRenderer, tag: str, paths: tuple[str, ...]) -> Page:
    """The page of one tag: its notes, A to Z."""
    t = renderer.strings
    items = sorted((renderer.note_item(p) for p in paths), key=lambda i: sort_key(i["title"]))
    section = {"title": f'{t["pages_tagged"]} #{tag}', "count": len(items), "items": items}
    return renderer.listing(tag_url(tag), f"#{tag}", [section], "tag")


def type_lists(renderer: SiteRenderer, keep: Keep) -> Iterator[Page]:
    """"Toutes les questions" and "Toutes les ressources": A to Z and by date, with counts."""
    for kind, url, title in TYPE_LISTS:
        yield keep(type_list_name(kind), partial(type_list, renderer, kind, url, renderer.strings[title]))


def type_list(renderer: SiteRenderer, kind: str, url: str, title: str) -> Page:
    """The list of every note of one type."""
    site, t = renderer.site, renderer.strings
    notes = [n for n in site.notes if n.type == kind]
    by_title = sorted(notes, key=lambda n: sort_key(n.title))
    dated = sorted((n for n in notes if n.date), key=lambda n: (n.date, n.path), reverse=True)
    by_date = dated + [n for n in by_title if not n.date]
    language = site.config.language
    sections = [
        {"title": t["by_title"], "count": len(notes), "items": [renderer.note_item(n.path) for n in by_title], "style": "compact"},
        {"title": t["by_date"], "count": len(dated), "style": "compact",
         "items": [{**renderer.note_item(n.path), "meta": format_date(n.date, language) or t["no_date"]} for n in by_date]},
    ]
    return renderer.listing(url, title, sections, kind + "-list")


def home_page(renderer: SiteRenderer) -> Page:
    """Without `index.md`: the themes (navigation roots) with their questions, then the lists."""
    site = renderer.site
    themes = []
    for path in site.hierarchy.themes:
        theme = renderer.note_item(path)
        theme["children"] = [renderer.note_item(child) for child in site.hierarchy.children.get(path, ())]
        themes.append(theme)
    context = {"kind": "home", "url": "/", "title": site.config.title, "intro": site.config.description,
               "description": site.config.description, "themes": themes,
               "question_count": len(site.questions), "resource_count": len(site.resources)}
    return Page("/", renderer.page("home.html", context), "", "home")


def directory_page(renderer: SiteRenderer, directory: Directory) -> Page:
    """The whole table in static HTML; `directory.js` adds filtering, facets, sorting and a count."""
    t = renderer.strings
    groups = column_groups(directory)
    rows = [{"name": row.name, "url": row.url,
             "cells": [", ".join(v for v in (row.cells[i] for i in indices) if v) for _, indices in groups],
             "facets": ["|".join(v for v in (row.cells[c] for c in facet.columns) if v) for facet in directory.facets]}
            for row in directory.rows]
    rows.sort(key=lambda r: sort_key(r["name"]))
    context = {
        "kind": "directory", "url": directory.url, "title": directory.config.title,
        "description": t["directory_intro"].format(n=len(rows)),
        "breadcrumbs": [{"title": t["home"], "url": "/"}],
        "name_column": directory.columns[directory.name_index],
        "columns": [label for label, _ in groups],
        "rows": rows,
        "facets": [{"label": f.label, "values": f.values, "id": f"facet-{n}"} for n, f in enumerate(directory.facets)],
    }
    return Page(directory.url, renderer.page("directory.html", context), "", "directory")


def column_groups(directory: Directory) -> list[tuple[str, tuple[int, ...]]]:
    """The shown columns (not the name, not the URL): columns numbered alike (`Expertise 1`, `Expertise 2`) make one."""
    groups: dict[str, list[int]] = {}
    for index, column in enumerate(directory.columns):
        if index not in (directory.name_index, directory.url_index):
            groups.setdefault(facet_label(column), []).append(index)
    singles = {label for label, indices in groups.items() if len(indices) == 1}
    return [(directory.columns[indices[0]] if label in singles else label, tuple(indices)) for label, indices in groups.items()]


def graph_page(renderer: SiteRenderer) -> Page:
    """Questions and resources, with a curve per ranking, and the same as text."""
    site, t = renderer.site, renderer.strings
    graph = global_graph(site)
    context = {"kind": "graph", "url": GRAPH_URL, "title": t["graph_title"], "svg": graph.svg,
               "questions": graph.questions, "edges": graph.edges,
               "description": t["graph_intro"], "breadcrumbs": [{"title": t["home"], "url": "/"}],
               "question_count": len(site.questions), "resource_count": len(site.resources)}
    return Page(GRAPH_URL, renderer.page("graph.html", context), "", "graph")
