"""Stage `render`: a `Site` becomes `Page`s (URL and HTML), through Jinja2 templates.

Templates come from the vault's `theme/templates/` first, then cartel's
default theme, so a maintainer overrides them one by one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2

from cartel.config import Config
from cartel.i18n import load_strings
from cartel.link import Site
from cartel.parse import Note
from cartel.render.body import BodyRenderer
from cartel.slug import slugify

MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre")


@dataclass(frozen=True)
class Page:
    """One output page."""

    url: str
    html: str
    source: str = ""       # vault path of the note it renders, "" for generated pages
    kind: str = "note"


def theme_dirs(config: Config) -> list[Path]:
    """Where templates and static files are looked up, the vault's own first."""
    default = Path(str(resources.files("cartel") / "theme"))
    return ([config.theme_dir] if config.theme_dir else []) + [default]


def make_environment(config: Config) -> jinja2.Environment:
    """One Jinja2 environment per build: templates compiled once."""
    loader = jinja2.FileSystemLoader([str(d / "templates") for d in theme_dirs(config)])
    env = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.ChainableUndefined)
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
        "directories": [{"title": d.title, "url": directory_url(d)} for d in config.directories
                        if (config.root / d.source).is_file()],
    }


def directory_url(directory) -> str:
    """The URL of a directory page: `/annuaire/` for the first, else from its slug or title."""
    return f"/{slugify(directory.slug or 'annuaire')}/"


def format_date(iso: str, language: str) -> str:
    """`2022-05-13` → `13 mai 2022` in French, ISO otherwise."""
    if not iso or language != "fr":
        return iso
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

    def page(self, template: str, page: dict) -> str:
        """Render one template with the common context."""
        return self.env.get_template(template).render(site=self.site_ctx, page=page, t=self.strings)

    def note_page(self, note: Note) -> Page:
        """The page of one note."""
        site = self.site
        url = site.urls[note.path]
        body = self.bodies.render(note)
        first_h1 = next((h for h in note.body.headings if h.level == 1), None)
        context = {
            "kind": note.type, "note_type": note.type, "url": url, "title": note.title, "body": body,
            "show_title": first_h1 is None,
            "description": description_of(note),
            "image": first_image(note, site),
            "date": note.date, "date_display": format_date(note.date, self.config.language),
            "tags": [{"name": t, "url": f"/tags/{slugify(t, 'tag')}/"} for t in note.tags],
            "backlinks": [{"title": site.by_path[p].title, "url": site.urls[p]} for p in site.backlinks.get(note.path, ())],
            "breadcrumbs": breadcrumbs(note, site, self.strings),
        }
        return Page(url, self.page("note.html", context), note.path, note.type)

    def listing(self, url: str, title: str, sections: list[dict], kind: str, intro: str = "") -> Page:
        """A generated page listing notes in sections."""
        context = {"kind": kind, "url": url, "title": title, "sections": sections, "intro": intro,
                   "breadcrumbs": [{"title": self.strings["home"], "url": "/"}]}
        return Page(url, self.page("listing.html", context), "", kind)


def render_site(site: Site, reuse=None) -> tuple[Page, ...]:
    """Every page of the site, in URL order; `reuse(note)` (a cache) may return a note's page instead of rendering it."""
    renderer = SiteRenderer(site)
    pages = [(reuse and reuse(note)) or renderer.note_page(note) for note in site.notes]
    pages.extend(generated_pages(renderer))
    return tuple(sorted(pages, key=lambda p: p.url))


def generated_pages(renderer: SiteRenderer) -> list[Page]:
    """Tag pages, the tags index, question and resource lists, a home if the vault has none, 404."""
    site, t = renderer.site, renderer.strings
    pages = []
    item = lambda p: {"title": site.by_path[p].title, "url": site.urls[p], "meta": ""}
    for tag, paths in site.tags.items():
        url = f"/tags/{slugify(tag, 'tag')}/"
        items = sorted((item(p) for p in paths), key=lambda i: i["title"].casefold())
        pages.append(renderer.listing(url, f"#{tag}", [{"title": t["pages_tagged"] + f" #{tag}", "count": len(items), "items": items}], "tag"))
    tag_items = [{"title": f"#{tag}", "url": f"/tags/{slugify(tag, 'tag')}/", "meta": f"({len(paths)})"} for tag, paths in site.tags.items()]
    pages.append(renderer.listing("/tags/", t["all_tags"], [{"title": t["tags"], "count": len(tag_items), "items": tag_items}], "tags"))
    for kind, url, title in (("question", "/questions/", t["all_questions"]), ("resource", "/ressources/", t["all_resources"])):
        notes = [n for n in site.notes if n.type == kind]
        by_title = sorted(notes, key=lambda n: n.title.casefold())
        by_date = sorted([n for n in notes if n.date], key=lambda n: n.date, reverse=True) + [n for n in by_title if not n.date]
        sections = [
            {"title": t["by_title"], "count": len(notes), "items": [item(n.path) for n in by_title]},
            {"title": t["by_date"], "count": None,
             "items": [{**item(n.path), "meta": format_date(n.date, site.config.language) or t["no_date"]} for n in by_date]},
        ]
        pages.append(renderer.listing(url, title, sections, kind + "-list"))
    if not any(site.urls[n.path] == "/" for n in site.notes):
        roots = [n for n in site.notes if n.type == "page" and not n.nav_parent]
        sections = [{"title": t["themes"], "count": None, "items": [item(n.path) for n in roots]}]
        pages.append(renderer.listing("/", site.config.title, sections, "home", site.config.description))
    pages.append(Page("/404.html", renderer.page("404.html", {"kind": "404", "url": "/404.html", "title": t["not_found_title"]}), "", "404"))
    pages.append(Page("/recherche/", renderer.page("search.html", {"kind": "search", "url": "/recherche/", "title": t["search"]}), "", "search"))
    return pages


def description_of(note: Note) -> str:
    """The first paragraph's text, cut at 200 characters, for meta description and sharing."""
    for block in note.body.blocks:
        if block.kind == "paragraph" and len(block.text) > 20:
            text = block.text
            return text if len(text) <= 200 else text[:197].rsplit(" ", 1)[0] + "…"
    return ""


def first_image(note: Note, site: Site) -> str:
    """The URL of the note's first embedded image, for social sharing."""
    for link, target in zip(note.body.links, site.targets.get(note.path, ())):
        if link.embed and target.status == "asset" and target.path.lower().endswith((".png", ".jpg", ".jpeg", ".webp", ".gif")):
            return target.url
    return site.config.image


def breadcrumbs(note: Note, site: Site, strings: dict) -> list[dict]:
    """Home, then the navigation ancestors (`eleventyNavigation` parent chain), else the folders."""
    crumbs = []
    keys = {n.nav_key: n for n in site.notes if n.nav_key}
    seen = {note.path}
    parent = keys.get(note.nav_parent) if note.nav_parent else None
    while parent is not None and parent.path not in seen:
        seen.add(parent.path)
        crumbs.append({"title": parent.title, "url": site.urls[parent.path]})
        parent = keys.get(parent.nav_parent) if parent.nav_parent else None
    crumbs.reverse()
    if not crumbs and note.folder and not note.nav_parent:
        crumbs = [{"title": part, "url": ""} for part in note.folder.split("/")]
    if site.urls[note.path] == "/":
        return []
    return [{"title": strings["home"], "url": "/"}] + crumbs
