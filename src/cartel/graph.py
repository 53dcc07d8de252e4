"""Link graphs drawn as SVG at build time: no JavaScript, same input, same picture.

The *local* graph of a note is its neighbourhood, one hop: the note on the
left, every note it links to or that links to it on the right, one per row,
grouped (both ways, outgoing, incoming) then A to Z. Rows keep labels readable
on a 320 px phone, which a circle of labels would not.

The *global* graph puts questions in a left column (grouped by theme) and
resources in a right column, each resource placed near the questions that
rank it (the mean of their rows), and draws one curve per ranking.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import NamedTuple

from cartel.link import Site

LOCAL_LIMIT = 24          # neighbours drawn; more are counted in the caption
ROW = 28                  # px between rows
CHAR = 7.6                # mean width of a character at 14 px, to size the drawing


class Neighbour(NamedTuple):
    """A note one hop away and how it is linked (a named tuple: a page makes ten of them, a site tens of thousands)."""

    path: str
    title: str
    url: str
    kind: str
    outgoing: bool        # this note links to it
    incoming: bool        # it links to this note


def neighbours(site: Site, path: str) -> list[Neighbour]:
    """Every published note one link away from `path`, both ways first, then outgoing, then incoming, A to Z."""
    out = {t.path for t in site.targets.get(path, ()) if t.status == "note" and t.path != path}
    inc = set(site.backlinks.get(path, ())) - {path}
    found = []
    for other in out | inc:
        note = site.by_path.get(other)
        if note is not None:
            found.append(Neighbour(other, note.title, site.urls[other], note.type, other in out, other in inc))
    return sorted(found, key=lambda n: (_GROUP[n.outgoing, n.incoming], n.title.casefold(), n.path))


_GROUP = {(True, True): 0, (True, False): 1, (False, True): 2}  # (outgoing, incoming): both ways first


def local_graph(site: Site, path: str, max_label: int = 34) -> str:
    """The SVG of a note's neighbourhood, or "" when it has none; decorative (the page lists the same links)."""
    return draw_local_graph(neighbours(site, path), max_label)


def draw_local_graph(found: list[Neighbour], max_label: int = 34) -> str:
    """The SVG of these neighbours (the first LOCAL_LIMIT of them), or "" when there are none."""
    if not found:
        return ""
    shown = found[:LOCAL_LIMIT]
    height = max(len(shown) * ROW + 12, 48)
    center = f"{height / 2:g}"
    label_x = 112
    width = int(label_x + 8 + min(max(len(n.title) for n in shown), max_label) * CHAR)
    parts = [f'<svg class="graph graph-local" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             f'aria-hidden="true" focusable="false">',
             '<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0 0L8 4L0 8z" class="graph-arrow"/></marker></defs>']
    for index, neighbour in enumerate(shown):
        y = _ROW_Y[index]
        if neighbour.outgoing:
            parts.append(f'<path class="graph-edge" d="M20 {center}C58 {center} 58 {y} 92 {y}" marker-end="url(#arrow)"/>')
        else:
            parts.append(f'<path class="graph-edge graph-edge-in" d="M20 {center}C58 {center} 58 {y} 92 {y}"/>')
    parts.append(f'<circle class="graph-center" cx="16" cy="{center}" r="9"/>')
    for index, neighbour in enumerate(shown):
        href, label, title = _label(neighbour.url, neighbour.title, max_label)
        shapes = _ROW_SHAPES.get(neighbour.kind, _ROW_SHAPES[""])
        parts.append(f'<a href="{href}" tabindex="-1">{shapes[index]}'
                     f'<text x="{label_x}" y="{_ROW_TEXT_Y[index]}">{label}</text><title>{title}</title></a>')
    parts.append("</svg>")
    return "".join(parts)


# A local graph's rows are always the same few: their coordinates are written once.
_ROWS = [6 + index * ROW + ROW / 2 for index in range(LOCAL_LIMIT)]
_ROW_Y = tuple(f"{y:g}" for y in _ROWS)
_ROW_TEXT_Y = tuple(f"{y + 5:g}" for y in _ROWS)


# A note is drawn in the graph of each of its neighbours. 8,192 labels (about 6 MB) hold a site of a few
# thousand notes; 32,768 took 22 MB, which a 100,000-note build, near its memory bound, cannot spare.
@lru_cache(maxsize=1 << 13)
def _label(url: str, title: str, max_label: int) -> tuple[str, str, str]:
    return escape(url), escape(_truncate(title, max_label)), escape(title)


@dataclass(frozen=True)
class GlobalGraph:
    """The global graph's SVG and its text equivalent: each question with the resources it ranks."""

    svg: str
    questions: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]   # (title, url, ((title, url), ...))
    edges: int


def global_graph(site: Site, max_label: int = 60) -> GlobalGraph:
    """Questions on the left, resources on the right, a curve per ranking; nodes link to their pages."""
    theme_rank = {path: i for i, path in enumerate(site.hierarchy.themes)}
    question_paths = sorted(site.questions, key=lambda p: (_theme_of(site, p, theme_rank), site.by_path[p].title.casefold(), p))
    edges = _ranking_edges(site, question_paths)
    resource_paths = _resources_in_order(site, question_paths, edges)
    q_rows = {p: i for i, p in enumerate(question_paths)}
    r_rows = {p: i for i, p in enumerate(resource_paths)}
    rows = max(len(question_paths), len(resource_paths), 1)
    height = rows * ROW + 24
    q_label = min(max((len(site.by_path[p].title) for p in question_paths), default=10), max_label)
    r_label = min(max((len(site.by_path[p].title) for p in resource_paths), default=10), max_label)
    q_x = 12 + q_label * CHAR + 14
    r_x = q_x + 220
    width = int(r_x + 14 + r_label * CHAR + 12)
    q_y = lambda i: 12 + (i + 0.5) * (rows * ROW) / max(len(question_paths), 1)
    r_y = lambda i: 12 + (i + 0.5) * (rows * ROW) / max(len(resource_paths), 1)
    parts = [f'<svg class="graph graph-global" viewBox="0 0 {width} {height:g}" width="{width}" height="{height:g}" '
             f'role="group" aria-labelledby="graph-caption">']
    middle = (q_x + r_x) / 2
    for question, resource in edges:
        y1, y2 = q_y(q_rows[question]), r_y(r_rows[resource])
        parts.append(f'<path class="graph-edge" d="M{q_x + 7:g} {y1:g}C{middle:g} {y1:g} {middle:g} {y2:g} {r_x - 7:g} {y2:g}"/>')
    for path in question_paths:
        parts.append(_global_node(site, path, q_x, q_y(q_rows[path]), "end", max_label))
    for path in resource_paths:
        parts.append(_global_node(site, path, r_x, r_y(r_rows[path]), "start", max_label))
    parts.append("</svg>")
    ranked: dict[str, list[tuple[str, str]]] = {}
    for question, resource in edges:
        ranked.setdefault(question, []).append((site.by_path[resource].title, site.urls[resource]))
    listing = tuple((site.by_path[q].title, site.urls[q], tuple(ranked.get(q, ()))) for q in question_paths)
    return GlobalGraph("".join(parts), listing, len(edges))


def global_graph_inputs(site: Site) -> tuple:
    """Everything `global_graph` reads of the site, as plain values: each question's title, URL and theme, each
    resource's title and URL, and the rankings (a build keeps the graph page while they stay the same)."""
    theme_rank = {path: i for i, path in enumerate(site.hierarchy.themes)}
    questions = sorted(site.questions)
    return (tuple((p, site.by_path[p].title, site.urls[p], _theme_of(site, p, theme_rank)) for p in questions),
            tuple((p, site.by_path[p].title, site.urls[p]) for p in sorted(site.resources)),
            tuple(_ranking_edges(site, questions)))


def _ranking_edges(site: Site, question_paths: list[str]) -> list[tuple[str, str]]:
    edges: dict[tuple[str, str], None] = {}   # ordered and without repeats
    for question in question_paths:
        targets = site.targets.get(question, ())
        for item in site.questions[question].ranked:
            target = targets[item.link] if item.link < len(targets) else None
            if target is not None and target.status == "note" and target.path in site.resources:
                edges.setdefault((question, target.path), None)
    return list(edges)


def _resources_in_order(site: Site, question_paths: list[str], edges: list[tuple[str, str]]) -> list[str]:
    """Each resource at the mean row of the questions that rank it (fewer crossings); unranked ones last."""
    rows = {p: i for i, p in enumerate(question_paths)}
    ranked_by: dict[str, list[int]] = {}
    for question, resource in edges:
        ranked_by.setdefault(resource, []).append(rows[question])
    def key(path: str):
        positions = ranked_by.get(path)
        centre = sum(positions) / len(positions) if positions else float("inf")
        return (centre, site.by_path[path].title.casefold(), path)
    return sorted(site.resources, key=key)


def _theme_of(site: Site, path: str, theme_rank: dict[str, int]) -> int:
    for ancestor in site.hierarchy.ancestors(path):
        if ancestor in theme_rank:
            return theme_rank[ancestor]
    return len(theme_rank)


def _global_node(site: Site, path: str, x: float, y: float, anchor: str, max_label: int) -> str:
    note = site.by_path[path]
    label_x = x - 12 if anchor == "end" else x + 12
    full = "" if len(note.title) <= max_label else f"<title>{escape(note.title)}</title>"
    return (f'<a href="{escape(site.urls[path])}">{full}{_shape(note.type, x, y)}'
            f'<text x="{label_x:g}" y="{y + 5:g}" text-anchor="{anchor}">{escape(_truncate(note.title, max_label))}</text></a>')


def _shape(kind: str, x: float, y: float) -> str:
    """A question is a disc, a resource a square, any other page a ring: told apart without colour."""
    if kind == "resource":
        return f'<rect class="graph-node graph-resource" x="{x - 6:g}" y="{y - 6:g}" width="12" height="12" rx="2"/>'
    if kind == "question":
        return f'<circle class="graph-node graph-question" cx="{x:g}" cy="{y:g}" r="7"/>'
    return f'<circle class="graph-node graph-page" cx="{x:g}" cy="{y:g}" r="6"/>'


_ROW_SHAPES = {kind: tuple(_shape(kind, 100, y) for y in _ROWS) for kind in ("resource", "question", "")}


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
