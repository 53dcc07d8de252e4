"""The Atom feed of the newest questions and resources, newest first (an emitter).

It keeps `[build] feed_entries` entries (50 by default, 0 for all): feed
readers fetch the feed again and again, and a vault of 20,000 notes made an
11 MB feed of every one of them.

An entry's date is the note's `date`; else, when the vault is in a git
repository, the date of the commit that first added the file; else it has no
date and comes last. Git is read, never written, with external diff and text
conversion programs turned off, so a vault's git settings run no command.
"""

from __future__ import annotations

import os
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cartel.emit import xml_escape as escape
from cartel.link import Site
from cartel.render import PageInfo, entry_summary

FEED_PATH = "feed.xml"
GIT_TIMEOUT = 20


@dataclass(frozen=True)
class Entry:
    """One feed entry."""

    path: str
    title: str
    url: str
    date: str             # ISO date or date-time, "" when unknown
    summary: str
    kind: str


def atom_feed(site: Site, pages: tuple[PageInfo, ...]) -> dict[str, bytes]:
    """Emitter: `feed.xml`, with the first `[build] feed_entries` entries (0: all of them)."""
    return {FEED_PATH: render_feed(site, feed_entries(site, git_first_dates(site.config.root), site.config.feed_entries))}


def feed_entries(site: Site, git_dates: dict[str, str], limit: int = 0) -> list[Entry]:
    """Questions and resources, dated ones newest first, then undated ones A to Z: the first `limit` (0: all)."""
    notes = [note for note in site.notes if note.type in ("question", "resource")]
    dates = {note.path: note.date or git_dates.get(note.path, "") for note in notes}
    dated = sorted((n for n in notes if dates[n.path]), key=lambda n: (_timestamp(dates[n.path]), n.path), reverse=True)
    undated = sorted((n for n in notes if not dates[n.path]), key=lambda n: (n.title.casefold(), n.path))
    # Only the entries kept are summarised: a summary is most of an entry's cost.
    return [Entry(note.path, note.title, site.urls[note.path], dates[note.path], entry_summary(site, note), note.type)
            for note in (dated + undated)[:limit or None]]


def render_feed(site: Site, entries: list[Entry]) -> bytes:
    """The Atom XML; entries without a date carry no `updated` (the feed does not invent one)."""
    config = site.config
    base = config.base_url
    updated = max((_timestamp(e.date) for e in entries if e.date), default="1970-01-01T00:00:00Z")
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{escape(config.language)}">',
        f"<title>{escape(config.title)}</title>",
    ]
    if config.description:
        lines.append(f"<subtitle>{escape(config.description)}</subtitle>")
    lines += [
        f'<link rel="self" type="application/atom+xml" href="{escape(base)}/{FEED_PATH}"/>',
        f'<link rel="alternate" type="text/html" href="{escape(base)}/"/>',
        f"<id>{escape(_id(base, '/'))}</id>",
        f"<updated>{updated}</updated>",
        f"<author><name>{escape(config.author or config.title)}</name></author>",
        '<generator>cartel</generator>',
    ]
    for entry in entries:
        lines.append("<entry>")
        lines.append(f"<title>{escape(entry.title)}</title>")
        lines.append(f'<link rel="alternate" type="text/html" href="{escape(base + entry.url)}"/>')
        lines.append(f"<id>{escape(_id(base, entry.url))}</id>")
        if entry.date:
            lines.append(f"<published>{_timestamp(entry.date)}</published>")
            lines.append(f"<updated>{_timestamp(entry.date)}</updated>")
        lines.append(f'<category term="{escape(entry.kind)}"/>')
        if entry.summary:
            lines.append(f"<summary>{escape(entry.summary)}</summary>")
        lines.append("</entry>")
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _id(base: str, url: str) -> str:
    """The entry's permanent id: its absolute URL, or a URN built from the path when no `base_url` is set."""
    return base + url if base else "urn:cartel:" + url.strip("/").replace("/", ":")


def _timestamp(date: str) -> str:
    """`2022-05-13` → `2022-05-13T00:00:00Z`; a git date-time is normalised to UTC."""
    if len(date) == 10:
        return f"{date}T00:00:00Z"
    from datetime import datetime, timezone

    try:
        moment = datetime.fromisoformat(date.replace("Z", "+00:00"))
    except ValueError:
        return f"{date[:10]}T00:00:00Z"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def git_first_dates(root: Path) -> dict[str, str]:
    """Vault path → date-time of the commit that added the file, when `root` is inside a git work tree; else {}.

    The history is read once per commit (the preview asks on every save): keyed by the HEAD it was read at.
    """
    head = git_head(root)
    return _first_dates_at(str(Path(root).resolve()), head) if head else {}


def git_head(root: Path) -> str:
    """The commit checked out in the git work tree around `root`; "" outside git. The feed's dates depend on it."""
    head = _git(root, ["rev-parse", "HEAD"])
    return head.strip().decode("ascii", "replace") if head else ""


@lru_cache(maxsize=8)
def _first_dates_at(root: str, head: str) -> dict[str, str]:
    output = _git(Path(root), ["log", "--no-ext-diff", "--no-textconv", "--no-renames", "--diff-filter=A", "--relative",
                               "-z", "--format=%x01%aI", "--name-only", head, "--", "."])
    return parse_git_log(output) if output is not None else {}


def _git(root: Path, arguments: list[str]) -> bytes | None:
    """A git command's output in `root`, with no hook, pager, signature check or system config; None on failure."""
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    command = ["git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "log.showSignature=false",
               "--no-pager", *arguments]
    try:
        done = subprocess.run(command, cwd=root, env=env, capture_output=True, timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def parse_git_log(output: bytes) -> dict[str, str]:
    """`git log -z --format=%x01%aI --name-only` → path → the oldest date (log order is newest first)."""
    dates: dict[str, str] = {}
    for chunk in output.decode("utf-8", "replace").split("\x01"):
        if not chunk.strip():
            continue
        head, _, names = chunk.partition("\n")
        date = head.strip("\x00").strip()
        for name in names.split("\x00"):
            name = unicodedata.normalize("NFC", name.strip("\n"))
            if name:
                dates[name] = date
    return dates
