"""The URL a note asks for, from its path and its header alone.

Parse gives each note its own, once (`Note.declared_url`); link moves one
aside only when another note or a generated page has it already
(cartel.link.assign_urls).
"""

from __future__ import annotations

from cartel.slug import slugify


def note_url(path: str) -> str:
    """`Folder/Sub/Ma note.md` → `/folder/sub/ma-note/`; `index.md` is its folder's page."""
    parts = path.rsplit(".", 1)[0].split("/")
    slugs = [slugify(p) for p in parts]
    if parts[-1].lower() == "index":
        slugs = slugs[:-1]
    return "/" + "".join(s + "/" for s in slugs)


def declared_url(path: str, meta: dict) -> str:
    """A note's URL: its `permalink` or `slug` key when given, made safe part by part, else from its path."""
    permalink = meta.get("permalink")
    if isinstance(permalink, str) and permalink.strip("/ "):
        parts = [slugify(p) for p in permalink.replace("\\", "/").split("/") if p.strip() not in ("", ".", "..")]
        if parts and parts[-1] in ("index-html", "index"):
            parts = parts[:-1]
        return "/" + "".join(p + "/" for p in parts)
    url = note_url(path)
    slug = slugify(meta.get("slug"), "") if isinstance(meta.get("slug"), str) else ""
    if slug and url != "/":
        return url.rstrip("/").rsplit("/", 1)[0] + "/" + slug + "/"
    return url
