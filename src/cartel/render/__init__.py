"""Stage `render`: a `Site` becomes `Page`s (URL and HTML), through Jinja2 templates.

Templates come from the vault's `theme/templates/` first, then cartel's
default theme, so a maintainer overrides them one by one. This module holds
the environment and the note pages; `render.pages` the generated ones (home,
lists, tags, directory, graph).
"""

from __future__ import annotations

import hashlib
import stat
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable, Iterator

import jinja2

from cartel.config import Config
from cartel.directory import directory_url
from cartel.i18n import load_strings
from cartel.link import Site
from cartel.parse import Note
from cartel.render.body import BodyRenderer
from cartel.slug import tag_url

MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre")
DESCRIPTION_LENGTH = 200

__all__ = ["Page", "PageInfo", "SiteRenderer", "iter_pages", "render_site", "static_files", "directory_url", "entry_summary", "format_date", "has_graph", "tag_url"]


@dataclass(frozen=True)
class Page:
    """One output page, its HTML held as UTF-8 bytes.

    Bytes, not `str`: a page with one character beyond Latin-1 (`œ`, `…`) would
    take two bytes a character as a `str`, and the preview and the build cache
    hold all of a site's pages.
    """

    url: str
    data: bytes | StoredBytes  # StoredBytes: a page the build cache kept, read only if emit must write it
    source: str = ""       # vault path of the note it renders, "" for generated pages
    kind: str = "note"

    @property
    def html(self) -> str:
        """The page's HTML as text."""
        return self.data.decode("utf-8")

    def info(self) -> "PageInfo":
        """What the site-wide files need of this page, its HTML left out."""
        return PageInfo(self.url, self.source, self.kind)


@dataclass(frozen=True)
class StoredBytes:
    """A page's bytes kept elsewhere (the build cache), known by their digest (`cartel.emit.file_digest`) and size:
    emit reads them (`load()`) only when the file it would replace differs."""

    digest: bytes
    size: int
    load: Callable[[], bytes]


@dataclass(frozen=True)
class PageInfo:
    """A page without its HTML: what the sitemap, the feed and the other site-wide files know of it once
    written (a build lets each page's HTML go as soon as it is written)."""

    url: str
    source: str = ""
    kind: str = "note"


def theme_dirs(config: Config) -> list[Path]:
    """Where templates and static files are looked up, the vault's own first."""
    default = Path(str(resources.files("cartel") / "theme"))
    return ([config.theme_dir] if config.theme_dir else []) + [default]


def make_environment(config: Config) -> jinja2.Environment:
    """One Jinja2 environment per theme and process: templates compiled once (again when a file changes)."""
    folders = tuple(theme_dirs(config))
    return _environment(folders, template_files(folders))


def template_files(folders: tuple[Path, ...]) -> tuple[tuple[str, int, int], ...]:
    """Each template file of the theme folders with its modification time and size: a new environment when one
    changes, so the environment never checks them itself."""
    found = []
    for folder in folders:
        for path in (folder / "templates").rglob("*"):
            try:
                info = path.stat()
            except OSError:  # a broken link: not a template
                continue
            if stat.S_ISREG(info.st_mode):
                found.append((str(path), info.st_mtime_ns, info.st_size))
    return tuple(sorted(found))


class _Environment(jinja2.Environment):
    """Templates read the context's dicts by key first: `page.title` then raises no AttributeError (Jinja2 tries
    the attribute first), which took a tenth of rendering; a key a dict lacks (`item.meta`) is undefined at once,
    as Jinja2 would find it after two exceptions, unless a dict has such an attribute (`items`); other objects
    are read as Jinja2 does."""

    def getattr(self, obj, attribute):
        """`obj.attribute` in a template."""
        if type(obj) is dict:
            if attribute in obj:
                return obj[attribute]
            if not hasattr(dict, attribute):
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


@lru_cache(maxsize=8)  # the preview renders on every save: compiling the templates each time cost 15 ms of it
def _environment(folders: tuple[Path, ...], files: tuple[tuple[str, int, int], ...]) -> jinja2.Environment:
    # auto_reload would stat a template's file each time a page asks for it (and again for `extends`): a tenth
    # of a second on 4,000 pages. `files` is in the cache key instead.
    loader = jinja2.FileSystemLoader([str(d / "templates") for d in folders])
    env = _Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True,
                       undefined=jinja2.ChainableUndefined, auto_reload=False)
    env.filters["fill"] = lambda text, **values: str(text).format(**values)
    return env


def static_files(config: Config) -> dict[str, bytes]:
    """Theme static files by output name (`style.css`, ...), the vault's overriding cartel's."""
    files: dict[str, bytes] = {}
    for directory in reversed(theme_dirs(config)):
        static = directory / "static"
        if static.is_dir():
            for path in sorted(static.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    files[path.relative_to(static).as_posix()] = path.read_bytes()
    return files


def site_context(site: Site, static: dict[str, bytes]) -> dict:
    """What every template gets as `site`."""
    config = site.config
    css = static.get("style.css", b"")
    return {
        "title": config.title, "description": config.description, "language": config.language,
        "locale": {"fr": "fr_CH", "en": "en_GB", "de": "de_CH"}.get(config.language, config.language),
        "base_url": config.base_url,
        "asset_version": hashlib.sha256(css).hexdigest()[:10],
        "directories": [{"title": d.config.title, "url": d.url} for d in site.directories],
        "has_graph": has_graph(site),
    }


def has_graph(site: Site) -> bool:
    """Whether the site has a graph page (and a link to it in every page's menu): it has questions or resources."""
    return bool(site.questions or site.resources)


def format_date(iso: str, language: str) -> str:
    """`2022-05-13` → `13 mai 2022` in French, ISO otherwise."""
    if not iso or language != "fr":
        return iso[:10]
    year, month, day = iso[:10].split("-")
    return f"{int(day)} {MONTHS_FR[int(month) - 1]} {year}"


class SiteRenderer:
    """Renders every page of a site with one template environment."""

    def __init__(self, site: Site):
        self.site = site
        self.config = site.config
        self.strings = load_strings(self.config.language)
        self.env = make_environment(self.config)
        self.static = static_files(self.config)
        self.site_ctx = site_context(site, self.static)
        self.bodies = BodyRenderer(site, self.strings)
        self._items: dict[str, dict] = {}

    def note_item(self, path: str) -> dict:
        """A note as a list entry (`render.notes.note_item`), made once: lists and tags show each note again."""
        from cartel.render.notes import note_item

        item = self._items.get(path)
        if item is None:
            item = self._items[path] = note_item(self.site, path)
        return dict(item)  # callers add to their copy

    def page(self, template: str, page: dict) -> bytes:
        """Render one template with the common context, as UTF-8."""
        return self.env.get_template(template).render(site=self.site_ctx, page=page, t=self.strings).encode("utf-8")

    def note_page(self, note: Note) -> Page:
        """The page of one note: its body, with the parts its type adds (cards, source, backlinks, graph)."""
        from cartel.render.notes import note_context

        context = note_context(self, note)
        return Page(context["url"], self.page("note.html", context), note.path, note.type)

    def listing(self, url: str, title: str, sections: list[dict], kind: str, intro: str = "") -> Page:
        """A generated page listing notes in sections."""
        context = {"kind": kind, "url": url, "title": title, "sections": sections, "intro": intro,
                   "description": intro, "breadcrumbs": [{"title": self.strings["home"], "url": "/"}]}
        return Page(url, self.page("listing.html", context), "", kind)


def iter_pages(site: Site, reuse=None, renderer: "SiteRenderer | None" = None, keep=None) -> Iterator[Page]:
    """Every page of the site, rendered one at a time as asked for: the notes' in the site's order, then the
    generated pages. A build writes each before the next is rendered, so a site's pages are never all held.

    `reuse(note)` (a cache) may return a note's page instead of rendering it;
    `keep(name, render)` (a cache) may return a generated page (a tag page, a list, the graph) instead of
    rendering it (`cartel.render.pages.Keep`);
    `renderer` is this site's, when the caller has made it already.
    """
    from cartel.render.pages import generated_pages

    renderer = renderer or SiteRenderer(site)
    for note in site.notes:
        yield (reuse and reuse(note)) or renderer.note_page(note)
    yield from generated_pages(renderer, keep)


def render_site(site: Site, reuse=None, renderer: "SiteRenderer | None" = None, keep=None) -> tuple[Page, ...]:
    """Every page of the site, all held, in URL order (the preview serves them from memory)."""
    return tuple(sorted(iter_pages(site, reuse, renderer, keep), key=lambda page: page.url))


def shorten(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """Text, its spaces collapsed, cut at a word before `limit` characters, with an ellipsis."""
    if len(text) > 2 * limit:
        # A question's lead runs to thousands of characters: collapsing a prefix's spaces gives the start of the
        # whole text's, which is all the cut reads once it is longer than `limit`.
        head = " ".join(text[: 2 * limit].split())
        if len(head) > limit:
            return head[: limit - 3].rsplit(" ", 1)[0] + "…"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rsplit(" ", 1)[0] + "…"


def description_of(note: Note) -> str:
    """The first paragraph's text, cut at 200 characters, for meta description and sharing."""
    for block in note.body.blocks:
        if block.kind == "paragraph" and len(block.text) > 20:
            return shorten(block.text)
    return ""


def entry_summary(site: Site, note: Note) -> str:
    """What a note says in brief: a question's lead, a resource's summary, else its first paragraph."""
    return note_summary(note, site.questions.get(note.path), site.resources.get(note.path))


def note_summary(note: Note, question=None, resource=None) -> str:
    """`entry_summary` from the note and its parsed question or resource part (None when it is not one)."""
    if question is not None and question.lead:
        return shorten(question.lead)
    if resource is not None and resource.summary:
        return shorten(resource.summary)
    return description_of(note)


def first_image(note: Note, site: Site) -> str:
    """The URL of the note's first embedded image, for social sharing; else the site's image."""
    for link, target in zip(note.body.links, site.targets.get(note.path, ())):
        if link.embed and target.status == "asset" and target.path.lower().endswith((".png", ".jpg", ".jpeg", ".webp", ".gif")):
            return target.url
    return site.config.image


def breadcrumbs(note: Note, site: Site, strings: dict) -> list[dict]:
    """Home, then the navigation ancestors; without any, the folders (when no parent was declared)."""
    if site.urls[note.path] == "/":
        return []
    crumbs = [{"title": site.by_path[p].title, "url": site.urls[p]} for p in site.hierarchy.ancestors(note.path)]
    if not crumbs and note.folder and not note.nav_parent:
        crumbs = folder_crumbs(note.folder, site)
    return [{"title": strings["home"], "url": "/"}] + crumbs


def folder_crumbs(folder: str, site: Site) -> list[dict]:
    """One crumb per folder; a folder mapped to questions or resources links to their list."""
    lists = {"question": "/questions/", "resource": "/ressources/"}
    types = dict(site.config.folder_types)
    crumbs = []
    parts = folder.split("/")
    for depth, part in enumerate(parts):
        prefix = "/".join(parts[: depth + 1])
        crumbs.append({"title": part, "url": lists.get(types.get(prefix, ""), "")})
    return crumbs
