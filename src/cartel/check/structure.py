"""Structure of the resource platform: questions rank resources, resources name and summarise a source.

Also list numbering, which the ranked lists make visible: the rank is the
position, whatever number was written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from cartel.check.context import Context, Edit, link_line
from cartel.diagnostics import Severity, diag

# Words that say nothing about a resource's content, accent-folded.
_STOP = frozenset("""
alors au aucun aussi autre aux avec avoir bien car ce cela ces cet cette ceux chaque comme comment dans de des
deux donc dont du elle elles en encore entre est et etre eux fait faire font il ils je la le les leur leurs lui
mais meme mes moins mon ne ni nos notre nous on ont ou par pas peu peut plus pour pourquoi qu que quel quelle
quelles quels qui sa sans se ses si son sont sous sur ta tes ton tous tout toute toutes tres un une vos votre
vous ici cet celle celui ainsi afin apres avant chez depuis lors parmi selon vers the and for with this that
from are was what how der die das und mit fur von ist ein eine document texte page article guide ressource
propose presente donne montre explique decrit permet
""".split())
_WORD = re.compile(r"[a-z0-9]+")


def _resource_or_none(ctx: Context, question_path: str, item):
    target = ctx.site.targets[question_path][item.link]
    note = ctx.site.by_path.get(target.path) if target.status == "note" else None
    return target, note


def question_without_resources(ctx: Context) -> Iterator:
    """A question ranks at least one resource, in a list whose items begin with a link."""
    for path, question in ctx.site.questions.items():
        note = ctx.site.by_path[path]
        if not question.ranked:
            yield diag(path, note.body_line, "question-no-resource", Severity.WARNING,
                       "the question ranks no resource",
                       "after the answer, add a numbered list whose items begin with a link: 1. [[Resource note]]")


def ranked_non_resources(ctx: Context) -> Iterator:
    """Each ranked item links to a resource note (or straight to an external page), not to another kind of note or a file."""
    for path, question in ctx.site.questions.items():
        note = ctx.site.by_path[path]
        for item in question.ranked:
            link = note.body.links[item.link]
            target, linked = _resource_or_none(ctx, path, item)
            if target.status in ("note", "self") and (linked is None or linked.type != "resource"):
                what = f"{target.path}, a {linked.type if linked else 'page'} note"
                hint = "rank resource notes here; link other questions under 'Voir également'"
            elif target.status == "asset":
                what = f"the file {target.path}"
                hint = "write a resource note that presents the file and rank that note"
            else:
                continue    # an external page is a resource in itself; unresolved and draft links are reported by link
            yield diag(path, link_line(note, link), "ranked-not-resource", Severity.WARNING,
                       f"ranked item {item.rank} links to {what}, not to a resource", hint, link.column)


def resource_without_source(ctx: Context) -> Iterator:
    """A resource names its source: a link in its title, or a `source:` key."""
    for path, resource in ctx.site.resources.items():
        if not resource.source_url:
            note = ctx.site.by_path[path]
            yield diag(path, note.body_line, "resource-no-source", Severity.WARNING,
                       "the resource does not say where the original is",
                       "put the link in the title: # [Title](https://...), or add source: https://... to the front matter")


def resource_without_key_points(ctx: Context) -> Iterator:
    """A resource lists its key points under "A retenir"."""
    for path, resource in ctx.site.resources.items():
        if not resource.has_key_points:
            note = ctx.site.by_path[path]
            yield diag(path, note.body_line, "resource-no-key-points", Severity.WARNING,
                       "the resource has no 'A retenir' section",
                       "add a '## A retenir' heading followed by a list of the key points")


def orphan_resources(ctx: Context) -> Iterator:
    """Every resource is ranked by some question, or readers only find it by search."""
    for path in ctx.site.resources:
        if path not in ctx.site.appears_in:
            note = ctx.site.by_path[path]
            yield diag(path, note.body_line, "resource-orphan", Severity.INFO,
                       "no question ranks this resource",
                       "rank it in the question it helps to answer, or leave it for search only")


def _folding_table() -> dict[int, str]:
    """Latin letters with accents → without, for `str.translate` (much faster than NFKD per character)."""
    table = {ord("œ"): "oe", ord("æ"): "ae", ord("ß"): "ss"}
    for code in range(0xC0, 0x250):
        base = "".join(c for c in unicodedata.normalize("NFKD", chr(code)) if not unicodedata.combining(c))
        if base != chr(code) and base.isascii():
            table[code] = base.lower()
    return table


_FOLD = _folding_table()


def stems(text: str) -> frozenset[str]:
    """Accent-folded word stems (first five letters) of the words that carry meaning."""
    folded = text.lower().translate(_FOLD)
    return frozenset(w[:5] for w in _WORD.findall(folded) if len(w) > 2 and w not in _STOP)


def summary_drift(ctx: Context) -> Iterator:
    """A question's summary of a resource still says what the resource's own summary says."""
    threshold = ctx.option("summary_similarity", 0.2)
    references: dict[str, frozenset[str]] = {}
    for path, question in ctx.site.questions.items():
        note = ctx.site.by_path[path]
        for item in question.ranked:
            target, linked = _resource_or_none(ctx, path, item)
            resource = ctx.site.resources.get(target.path) if linked is not None else None
            words = stems(item.summary)
            if resource is None or not resource.summary or len(words) < 4:
                continue
            if target.path not in references:
                references[target.path] = stems(" ".join((linked.title, resource.summary, *resource.key_points)))
            score = len(words & references[target.path]) / len(words)
            if score < threshold:
                link = note.body.links[item.link]
                yield diag(path, note.body_line + item.line - 1, "summary-drift", Severity.INFO,
                           f"the summary of {target.path} shares {score:.0%} of its words with the resource's own summary",
                           "check that the question still describes the resource as it now reads", link.column)


def list_numbering(ctx: Context) -> Iterator:
    """Ordered lists count 1, 2, 3… (from their first number); --fix renumbers them."""
    for note in ctx.site.notes:
        if not any(item.ordered for item in note.body.items):
            continue  # no ordered list: no need to read the note's prose again
        for ordered in ctx.prose(note).lists:
            first = int(ordered.items[0][1])
            written = [int(digits) for _, digits, _ in ordered.items]
            expected = list(range(first, first + len(written)))
            if written == expected:
                continue
            wrong = next(i for i, (w, e) in enumerate(zip(written, expected)) if w != e)
            offset = ordered.items[wrong][0]
            line, column = ctx.position(note, offset)
            yield diag(note.path, line, "list-numbering", Severity.WARNING,
                       f"list numbered {_sequence(written)}; expected {_sequence(expected)}",
                       "the rank shown is the position in the list; --fix renumbers it", column)
            for (item_offset, digits, single_line), number in zip(ordered.items, expected):
                new = str(number)
                # A number of another width moves the item's text: only safe when nothing hangs below it.
                if new != digits and (len(new) == len(digits) or single_line):
                    line, column = ctx.position(note, item_offset)
                    yield Edit(note.path, line, column, digits, new, "list-numbering")


def _sequence(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:6])
    return shown + (", …" if len(numbers) > 6 else "")
