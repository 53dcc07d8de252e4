"""Stage `link`: all `Note`s become a `Site` with every link resolved.

Obsidian's rules, so a vault renders as its editor sees it: the target is the
text before `#` or `|`; a target with `/` matches a path suffix, otherwise a
file name anywhere, compared after NFC and case folding; among several, the
linking note's folder wins, then the shortest path, and a tie is reported.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from cartel.config import Config
from cartel.diagnostics import Diagnostic, Severity, diag
from cartel.directory import read_directories
from cartel.hierarchy import Hierarchy, build_hierarchy
from cartel.model import Question, parse_question, parse_resource
from cartel.parse import Note
from cartel.parse.markdown import Link, split_target
from cartel.scan import Source
from cartel.slug import normalize_name, slugify, tag_url

RESERVED_URLS = frozenset({
    "/tags/", "/questions/", "/ressources/", "/recherche/", "/graphe/", "/annuaire/", "/_cartel/", "/pagefind/",
})
_SAFE_PART = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass(frozen=True, slots=True)
class Target:
    """Where one link of a note goes (link makes one object per distinct target: a vault of 100,000 notes has
    1.5 million links, and half of them go where another one goes)."""

    status: str            # note, asset, self, external, unresolved, draft
    path: str = ""         # vault path of the target note or asset
    url: str = ""          # URL with its fragment, "" when it does not resolve
    anchor: str = ""       # the fragment's anchor id in the target


@dataclass(frozen=True)
class Site:
    """The whole vault, linked: what render and check work from."""

    config: Config
    notes: tuple[Note, ...]                              # published notes, by path
    by_path: dict = field(hash=False, compare=False)     # path -> Note (published)
    urls: dict = field(hash=False, compare=False)        # note or asset path -> URL
    assets: tuple[str, ...] = ()                         # published asset paths
    targets: dict = field(default_factory=dict, hash=False, compare=False)    # note path -> tuple[Target]
    backlinks: dict = field(default_factory=dict, hash=False, compare=False)  # note path -> tuple[path]
    tags: dict = field(default_factory=dict, hash=False, compare=False)       # tag -> tuple[path]
    drafts: tuple[str, ...] = ()
    questions: dict = field(default_factory=dict, hash=False, compare=False)   # path -> Question
    resources: dict = field(default_factory=dict, hash=False, compare=False)   # path -> Resource
    appears_in: dict = field(default_factory=dict, hash=False, compare=False)  # resource path -> ((question path, rank), ...)
    diagnostics: tuple[Diagnostic, ...] = ()
    hierarchy: Hierarchy = field(default_factory=Hierarchy, hash=False, compare=False)  # parents, children, themes
    directories: tuple = ()                                                            # cartel.directory.Directory
    embeds: dict = field(default_factory=dict, hash=False, compare=False)  # note path -> tuple[path] it embeds, if any


def link_site(notes: list[Note] | tuple[Note, ...], sources: tuple[Source, ...], config: Config) -> Site:
    """Resolve every link, compute URLs and backlinks; report what does not resolve."""
    published = tuple(sorted((n for n in notes if not n.draft), key=lambda n: n.path))
    drafts = tuple(sorted(n.path for n in notes if n.draft))
    assets = tuple(s.path for s in sources if s.kind == "asset" and not s.draft)
    problems: list[Diagnostic] = []
    tags: dict[str, list[str]] = defaultdict(list)
    for note in published:
        for tag in note.tags:
            tags[tag].append(note.path)
    directories, directory_problems = read_directories(config.directories, tuple(sources))
    # The pages cartel generates keep their URLs: a note that would take one is moved aside, with a diagnostic.
    generated = RESERVED_URLS | {d.url for d in directories} | {tag_url(tag) for tag in tags}
    urls = assign_urls(published, assets, problems, generated)
    index = _NameIndex(published, drafts, assets)
    by_path = {n.path: n for n in published}
    targets, embeds, questions, resources = {}, {}, {}, {}
    resolver = _Resolver(index, by_path, urls, problems)
    for note in published:  # reads only each note's links (a large vault keeps bodies packed: cartel.parse.packed)
        links = note.body.links
        targets[note.path] = resolved = tuple(resolver.target(note, link) for link in links)
        embeds[note.path] = [(link, t.path) for link, t in zip(links, resolved) if link.embed and t.status in ("note", "self")]
        if note.type == "question":
            questions[note.path] = parse_question(note)
        elif note.type == "resource":
            resources[note.path] = parse_resource(note)
    backlinks = _backlinks(published, targets)
    _check_embeds(published, embeds, config.max_embed_depth, problems)
    hierarchy = build_hierarchy(published)
    problems.extend(hierarchy.diagnostics + directory_problems)
    return Site(config, published, by_path, urls, assets, targets, backlinks,
                {t: tuple(p) for t, p in sorted(tags.items())}, drafts,
                questions, resources, _appears_in(questions, targets), tuple(problems),
                hierarchy=hierarchy, directories=directories,
                embeds={path: tuple(target for _, target in found) for path, found in embeds.items() if found})


def _appears_in(questions: dict[str, Question], targets: dict) -> dict[str, tuple[tuple[str, int], ...]]:
    """For each note a question ranks: the questions that rank it, with the rank."""
    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for path, question in sorted(questions.items()):
        for item in question.ranked:
            target = targets[path][item.link]
            if target.status == "note" and target.path != path:
                found[target.path].append((path, item.rank))
    return {path: tuple(entries) for path, entries in found.items()}


# -- URLs ------------------------------------------------------------------

def asset_url(path: str) -> str:
    """Assets keep their path when it is already URL-safe, else each part is slugified."""
    parts = path.split("/")
    if all(_SAFE_PART.match(p) and p not in (".", "..") for p in parts):
        return "/" + path
    stem, dot, ext = parts[-1].rpartition(".")
    name = f"{slugify(stem, 'fichier')}.{slugify(ext, 'bin')}" if dot else slugify(parts[-1], "fichier")
    return "/" + "/".join([slugify(p) for p in parts[:-1]] + [name])


def assign_urls(notes: tuple[Note, ...], assets: tuple[str, ...], problems: list,
                reserved: frozenset[str] = RESERVED_URLS) -> dict[str, str]:
    """A unique URL per note and asset, none of them `reserved`; a collision gets a numbered suffix and a diagnostic."""
    urls: dict[str, str] = {}
    taken: set[str] = {url.casefold() for url in reserved}
    for note in notes:
        urls[note.path] = _unique(note.path, note.declared_url, taken, problems, page=True)
    for path in assets:
        urls[path] = _unique(path, asset_url(path), taken, problems, page=False)
    return urls


def _unique(path: str, url: str, taken: set, problems: list, page: bool) -> str:
    candidate, n = url, 1
    while candidate.casefold() in taken:
        n += 1
        if page:
            candidate = f"{url.rstrip('/')}-{n}/" if url != "/" else f"/index-{n}/"
        else:
            stem, dot, ext = url.rpartition(".")
            candidate = f"{stem}-{n}.{ext}" if dot and "/" not in ext else f"{url}-{n}"
    if candidate != url:
        problems.append(diag(path, 1, "url-collision", Severity.WARNING,
                             f"URL {url} is already taken; this file is published at {candidate}",
                             "rename one of the files so their names differ by more than case, accents or punctuation"))
    taken.add(candidate.casefold())
    return candidate


# -- resolution ------------------------------------------------------------

class _NameIndex:
    """Lookup tables built once: file name and path keys to vault paths."""

    def __init__(self, notes: tuple[Note, ...], drafts: tuple[str, ...], assets: tuple[str, ...]):
        self.by_name: dict[str, list[str]] = defaultdict(list)
        self.paths: dict[str, str] = {}
        self.drafts = set(drafts)
        for path in [n.path for n in notes] + list(drafts):
            self.by_name[normalize_name(path.rsplit("/", 1)[-1].rsplit(".", 1)[0])].append(path)
            self.paths[normalize_name(path.rsplit(".", 1)[0])] = path
        for path in assets:
            self.by_name[normalize_name(path.rsplit("/", 1)[-1])].append(path)
            self.paths[normalize_name(path)] = path

    def candidates(self, target: str, has_extension: bool) -> list[str]:
        key = normalize_name(target.strip("/"))
        if "/" in key:
            exact = self.paths.get(key)
            if exact:
                return [exact]
            name = key.rsplit("/", 1)[-1]
            return [p for p in self.by_name.get(name, []) if _path_key(p, has_extension).endswith("/" + key)
                    or _path_key(p, has_extension) == key]
        return list(self.by_name.get(key, []))


def _path_key(path: str, keep_extension: bool) -> str:
    return normalize_name(path if keep_extension or not path.endswith(".md") else path.rsplit(".", 1)[0])


def _has_extension(target: str) -> bool:
    name = target.rsplit("/", 1)[-1]
    return "." in name and len(name.rsplit(".", 1)[1]) <= 5 and name.rsplit(".", 1)[1].isalnum()


def choose(candidates: list[str], folder: str) -> tuple[str, bool]:
    """Obsidian's pick among several files: same folder, then shortest path; True on a tie."""
    if len(candidates) == 1:
        return candidates[0], False
    same = [c for c in candidates if (c.rsplit("/", 1)[0] if "/" in c else "") == folder]
    if len(same) == 1:
        return same[0], False
    pool = sorted(same or candidates, key=lambda c: (c.count("/"), len(c), c))
    tie = pool[0].count("/") == pool[1].count("/") and len(pool[0]) == len(pool[1])
    return pool[0], tie


class _Resolver:
    """Where each link goes: one `Target` object per distinct target, and a link that goes, without a problem,
    where a link written the same way from the same folder went is not resolved again (half of them in a
    large vault)."""

    def __init__(self, index: _NameIndex, by_path: dict, urls: dict, problems: list):
        self.index, self.by_path, self.urls, self.problems = index, by_path, urls, problems
        self.made: dict[Target, Target] = {}
        self.known: dict[tuple, Target] = {}

    def target(self, note: Note, link: Link) -> Target:
        """Where `link` of `note` goes; its problems, if any, go to the list of problems."""
        # A link to the note itself (no target) depends on the note: never shared.
        key = (note.folder, link.external, link.wiki, link.target, link.fragment, link.raw) if link.target else None
        found = self.known.get(key) if key is not None else None
        if found is None:
            reported = len(self.problems)
            found = _resolve(note, link, self.index, self.by_path, self.urls, self.problems)
            found = self.made.setdefault(found, found)
            if key is not None and len(self.problems) == reported:  # a problem is reported at each link that has it
                self.known[key] = found
        return found


def _resolve(note: Note, link: Link, index: _NameIndex, by_path: dict, urls: dict, problems: list) -> Target:
    if link.external:
        return Target("external", url=link.target)
    target = link.target
    if not target:
        return _with_fragment(note, note.path, link, by_path, urls, problems, "self")
    candidates = _local_candidates(note, link, index)
    if not candidates and link.fragment and link.wiki:
        # A file whose name holds `#` (`C# notes.md`): the whole text is the name.
        whole = link._replace(target=split_target(link.raw.replace("#", "\0"))[0].replace("\0", "#"), fragment="")
        candidates = _local_candidates(note, whole, index)
        if candidates:
            link = whole
    if not candidates:
        problems.append(_unresolved(note, link))
        return Target("unresolved")
    path, tie = choose(candidates, note.folder)
    if tie:
        problems.append(diag(note.path, note.body_line + link.line - 1, "link-ambiguous", Severity.WARNING,
                             f"'{target}' matches several notes; using {path}",
                             f"write the folder to choose: [[{path.rsplit('.', 1)[0]}]]", link.column))
    if path in index.drafts:
        problems.append(diag(note.path, note.body_line + link.line - 1, "link-draft", Severity.WARNING,
                             f"link to the draft note {path}, which is not published; shown as plain text",
                             "publish the note (move it out of the drafts folder) or remove the link", link.column))
        return Target("draft", path=path)
    if path in by_path:
        return _with_fragment(note, path, link, by_path, urls, problems, "note")
    return Target("asset", path=path, url=urls[path])


def _local_candidates(note: Note, link: Link, index: _NameIndex) -> list[str]:
    target = link.target
    has_extension = _has_extension(target)
    if not link.wiki:
        # A Markdown link is a path: vault-rooted with `/`, else relative to the note.
        joined = target.lstrip("/") if target.startswith("/") else _join(note.folder, target)
        if joined is None:
            return []
        exact = index.paths.get(normalize_name(joined))
        if exact:
            return [exact]
    return index.candidates(target, has_extension)


def _join(folder: str, target: str) -> str | None:
    parts = [p for p in folder.split("/") if p] if folder else []
    for part in target.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def _with_fragment(note: Note, path: str, link: Link, by_path: dict, urls: dict, problems: list, status: str) -> Target:
    base = urls[path] if status == "note" else ""
    if not link.fragment:
        return Target(status, path=path, url=base or urls[path])
    target_note = by_path[path]
    anchor = find_anchor(target_note, link.fragment)
    if anchor is None:
        problems.append(diag(note.path, note.body_line + link.line - 1, "link-anchor-missing", Severity.WARNING,
                             f"'{link.fragment}' is not a heading or block of {path}; the link goes to the top of the note",
                             "check the heading's spelling, or add ^id at the end of the paragraph you link to", link.column))
        return Target(status, path=path, url=base or urls[path])
    return Target(status, path=path, url=f"{base}#{anchor}", anchor=anchor)


def find_anchor(note: Note, fragment: str) -> str | None:
    """The anchor id of `Heading`, `H1#H2` (last part) or `^block` in a note, or None."""
    fragment = fragment.split("#")[-1].strip()
    if fragment.startswith("^"):
        return fragment if fragment[1:] in note.body.block_ids else None
    wanted = slugify(fragment, "section")
    for heading in note.body.headings:
        if heading.anchor == wanted or slugify(heading.text, "section") == wanted:
            return heading.anchor
    return None


def _unresolved(note: Note, link: Link) -> Diagnostic:
    kind = "embed" if link.embed else "link"
    return diag(note.path, note.body_line + link.line - 1, "link-unresolved", Severity.WARNING,
                f"{kind} target '{link.target}' does not exist in the vault; shown as unresolved text",
                "create the note, or fix the name (case and accents do not matter)", link.column)


# -- backlinks and embeds ----------------------------------------------------

def _backlinks(notes: tuple[Note, ...], targets: dict) -> dict[str, tuple[str, ...]]:
    found: dict[str, set[str]] = defaultdict(set)
    for note in notes:
        for target in targets[note.path]:
            if target.status == "note" and target.path != note.path:
                found[target.path].add(note.path)
    return {path: tuple(sorted(sources)) for path, sources in found.items()}


def _check_embeds(notes: tuple[Note, ...], graph: dict[str, list[tuple[Link, str]]], max_depth: int,
                  problems: list) -> None:
    """Report embed cycles and chains deeper than the limit, once at the embedding link; `graph` maps each note
    to its embeds of notes (the link, the embedded note's path)."""
    depth_memo: dict[str, int] = {}
    for note in notes:
        for link, child in graph[note.path]:
            if child == note.path or _reaches(child, note.path, graph):
                problems.append(diag(note.path, note.body_line + link.line - 1, "embed-cycle", Severity.WARNING,
                                     f"embedding '{link.target}' leads back to this note; the repeated embed is shown as a link",
                                     "remove one of the embeds in the cycle", link.column))
            elif 1 + _depth(child, graph, depth_memo, set()) > max_depth:
                problems.append(diag(note.path, note.body_line + link.line - 1, "embed-too-deep", Severity.WARNING,
                                     f"embeds nested more than {max_depth} deep; deeper ones are shown as links",
                                     "embed fewer levels, or link instead of embedding", link.column))


def _reaches(start: str, goal: str, graph: dict) -> bool:
    seen, stack = set(), [start]
    while stack:
        current = stack.pop()
        if current == goal:
            return True
        if current in seen:
            continue
        seen.add(current)
        stack.extend(child for _, child in graph.get(current, ()))
    return False


def _depth(path: str, graph: dict, memo: dict, visiting: set) -> int:
    if path in memo:
        return memo[path]
    if path in visiting:
        return 0
    visiting.add(path)
    depth = max((1 + _depth(child, graph, memo, visiting) for _, child in graph.get(path, ())), default=0)
    visiting.discard(path)
    memo[path] = depth
    return depth
