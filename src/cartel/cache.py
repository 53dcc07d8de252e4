"""Incremental builds: caches keyed by content hashes, around the pure stages.

The stages stay pure; this module only decides what need not be computed
again. Everything lives in `VAULT/.cartel-cache/` (skipped by scan, removed
by `cartel clean`):

- parse: (note digest, path, draft, site fingerprint) → the parsed `Note`;
- render: a note page's dependency key (`note_page_keys`) → its `Page`,
  and apart its head (URL, source, kind, digest and size of its HTML), so
  that a build reads a kept page's HTML only to write it; generated: the
  same for the tag pages, the lists of questions and resources and the
  graph, keyed by the entries they list and the values they show
  (`generated_page_keys`);
- search: a search shard's key (`cartel.search.shard_key`) → its files
  (builds and the preview share them); `pagefind/shard-N/`, the folder
  Pagefind writes shard N into, where the files of the last index stay so
  that it writes only the new ones (`cartel.search.KeptFolder`), with the
  digest of each file in the store;
- builds: per output folder, the last build's inputs digest, page count and
  diagnostics, so a build with nothing changed stops right after scan;
- trees: per output folder, which manifest (kept apart, under
  tree-manifests) the output and its spare copy in `output-trees/` hold
  (`spare_tree`, `TreeRecord`): the next build updates the spare with only
  the files that changed and exchanges it with the output.

The *site fingerprint* stands for everything besides the vault's files that
a page depends on: cartel's own code, templates and strings, the config, and
the vault's theme folder. Entries are pickles in one SQLite file
(`store.db`), each signed with a per-user key kept outside the vault (keyed
BLAKE2b): an entry of a `.cartel-cache/` that came with a vault from
elsewhere is ignored, never loaded. They are read and written one at a time,
so a build of a large vault holds in memory only the entries it is using.
build.py calls `open_cache` and the methods of what it returns
(`unchanged_build`, `parse`, `render`, `memo`, `spare_tree`, `record_build`);
`NoCache` has the same methods and keeps nothing (`--no-cache`).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import pickle
import secrets
import shutil
import sqlite3
import threading
from dataclasses import dataclass
from functools import lru_cache, partial
from operator import attrgetter
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

import cartel
from cartel.config import Config
from cartel.diagnostics import Diagnostic
from cartel.emit import SpareTree, file_digest
from cartel.feed import git_head
from cartel.link import Site
from cartel.parse import Note
from cartel.parse.packed import PackedBody, pack_note, packs_notes, plain_note
from cartel.render import Page, SiteRenderer, StoredBytes, theme_dirs
from cartel.render.pages import kept_pages
from cartel.scan import KnownNotes, ScanResult, Source, known_notes, read_note
from cartel.search import KeptFolder, Memo

CACHE_DIR = ".cartel-cache"
FORMAT = "v1"
TAG_NAME = "CACHEDIR.TAG"
# The Cache Directory Tagging Specification's signature: backup tools skip the folder.
TAG_TEXT = b"Signature: 8a477f597d28d172789f06886806bc55\n# This folder is cartel's build cache; `cartel clean` removes it.\n"
# Folders of earlier versions' stores, which this one does not read: removed after a build.
RETIRED_FOLDERS = ("tree", "parse", "render", "search", "builds", "trees")
GENERATED = "generated"  # the store's kind for kept generated pages (tag pages, lists, graph: `generated_page_keys`)
_SEP = "\x1f"


@dataclass(frozen=True)
class BuildRecord:
    """What the last build of an output folder reported, reused when nothing changed."""

    pages: int
    diagnostics: tuple[Diagnostic, ...]


# -- fingerprints ---------------------------------------------------------------

@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """cartel's version and the digest of its own files (code, templates, strings, theme)."""
    package = Path(cartel.__file__).resolve().parent
    digest = hashlib.sha256(cartel.__version__.encode())
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def site_fingerprint(config: Config) -> str:
    """Everything besides the vault's files that pages depend on: code, config, the vault's theme folder."""
    digest = hashlib.sha256(code_fingerprint().encode())
    digest.update(repr(config).encode())
    for folder in theme_dirs(config)[:-1]:  # the last one is cartel's own, in the code fingerprint
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def inputs_digest(site_fp: str, scanned: ScanResult) -> str:
    """One digest of every input of a build: site fingerprint, every source file, scan's findings."""
    digest = hashlib.sha256(site_fp.encode())
    for source in scanned.sources:
        digest.update(f"{source.path}{_SEP}{source.kind}{_SEP}{source.draft}{_SEP}{source.digest}\n".encode())
    digest.update(repr(scanned.diagnostics).encode())
    return digest.hexdigest()


def parse_key(site_fp: str, source: Source) -> str:
    """The parse cache key of one note source."""
    return _digest((site_fp, source.path, str(source.draft), source.digest))


def render_salt(site_fp: str, site_context) -> str:
    """What every note page depends on besides its neighbourhood: the site fingerprint and the templates' `site` context."""
    return _digest((site_fp, repr(site_context)))


_TARGET_FIELDS = attrgetter("status", "path", "url", "anchor")


def stored_note(parsed: Note, kept: Note, packed: bool) -> Note:
    """A note as the parse cache stores it: `packed` in a vault the build packs (`packs_notes`), else as
    parsed; taken from the note as parse gave it or as the caller keeps it, whichever has that form already.

    Not simply as the caller keeps it: a preview or `cartel check` keeps notes as parsed, and after `cartel check`
    had parsed a 20,000-note vault, every later build loaded 2.4 times the bytes (one note changed: 11.4 s, 7.9 s
    now)."""
    for note in (kept, parsed):
        if isinstance(note.body, PackedBody) == packed:
            return note
    return pack_note(parsed, None) if packed else plain_note(parsed)


def note_page_keys(site: Site, salt: str) -> dict[str, str]:
    """For each note: its page's dependency key, a digest of everything the page's HTML can depend on.

    That is the note itself (path, content digest, URL), where each of its
    links goes, the questions that rank it, and the path, content digest and
    URL of every note in its neighbourhood: the notes it links to, its
    backlinks, the questions that rank it, its ancestors and children in the
    navigation, and the notes it embeds (with their own links, as deep as
    embeds go). Anything site-wide is in `salt`.

    Each note's facts and links are hashed once, and a key hashes the
    digests of its parts: hashing each key's whole value, its neighbours'
    facts again every time, took 0.85-1.1 s at 20,000 notes (0.5 s now).
    """
    urls = site.urls
    facts = {n.path: _digest((n.path, n.digest, urls[n.path])).encode() for n in site.notes}
    link_fields = {path: tuple(map(_TARGET_FIELDS, targets)) for path, targets in site.targets.items()}
    links = {path: value_digest(fields) for path, fields in link_fields.items()}
    near: dict[str, set[str]] = {path: {t[1] for t in fields if t[0] == "note"} for path, fields in link_fields.items()}
    del link_fields
    for path, sources in site.backlinks.items():
        near.setdefault(path, set()).update(sources)
    for path, entries in site.appears_in.items():
        near.setdefault(path, set()).update(question for question, _ in entries)
    hierarchy = getattr(site, "hierarchy", None)
    parents = getattr(hierarchy, "parents", None) or {}
    for path, children in (getattr(hierarchy, "children", None) or {}).items():
        near.setdefault(path, set()).update(children)
    embeds = site.embeds
    appears_in = site.appears_in
    salted = value_digest(salt)
    empty = value_digest(())
    keys = {}
    for path in facts:
        around = near.get(path) or set()
        parent = parents.get(path)
        if parent is not None or path in embeds:
            around = set(around)
            seen = {path}
            while parent is not None and parent not in seen:
                around.add(parent)
                seen.add(parent)
                parent = parents.get(parent)
        embedded = sorted(_closure(path, embeds)) if path in embeds else ()
        around.update(embedded)
        others = sorted(around - {path})
        keys[path] = hashlib.sha256(b"".join((
            salted, facts[path], links.get(path, empty), value_digest(appears_in[path]) if path in appears_in else empty,
            len(others).to_bytes(4, "big"), *[facts.get(other) or value_digest(other) for other in others],
            len(embedded).to_bytes(4, "big"), *[links.get(other, empty) for other in embedded],
        ))).hexdigest()
    return keys


def generated_page_keys(renderer: SiteRenderer, salt: str) -> dict[str, str]:
    """For each generated page a build keeps (`cartel.render.pages.kept_pages`): a digest of its name, `salt`,
    the list entry (`SiteRenderer.note_item`) of each note it lists, in order, and the other values it shows.

    Keyed by the entries' values, not by the notes' content digests: an edit
    that leaves a note's title, summary, date and count as they were (most
    edits of a body) renders no listing again, where a content digest would
    render again at least the list of its type, which in a large vault is
    among the largest pages (at 20,000 notes the resources' list holds
    16,000 entries, and so does the tag page `ressource` of a vault that tags
    every resource so).
    """
    salted = value_digest(salt)
    entries: dict[str, bytes] = {}

    def entry(path: str) -> bytes:
        digest = entries.get(path)
        if digest is None:
            digest = entries[path] = value_digest(tuple(renderer.note_item(path).items()))
        return digest
    return {name: hashlib.sha256(b"".join((salted, value_digest((name, values)), len(paths).to_bytes(4, "big"),
                                           *map(entry, paths)))).hexdigest()
            for name, (paths, values) in kept_pages(renderer.site).items()}


def value_digest(value) -> bytes:
    """The SHA-256 digest of a value made of strings, numbers, None and tuples, by its value alone."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    # Without its memo a pickle depends on values alone, not on which objects are shared; and it is made three
    # times as fast as the value's repr.
    pickler.fast = True
    pickler.dump(value)
    return hashlib.sha256(buffer.getbuffer()).digest()


def _closure(path: str, embeds: dict[str, tuple[str, ...]]) -> set[str]:
    found: set[str] = set()
    stack = list(embeds.get(path, ()))
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(embeds.get(current, ()))
    return found


def _scan_record_name() -> str:
    """The name of the last scan's record (`KnownNotes`): another version of cartel may read files otherwise."""
    return _digest(("scan", code_fingerprint()))


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("\x1d".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


# -- signed entries -------------------------------------------------------------

def user_key() -> bytes | None:
    """The per-user signing key (created on first use, outside any vault); None when it cannot be kept."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cartel"
    path = base / "cache-key"
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(secrets.token_bytes(32))
        key = path.read_bytes()
    except (OSError, FileExistsError):
        return None
    return key if len(key) >= 32 else None


_UNREAD = object()  # a head not read yet (`BuildCache._stored_page`), where None is a head not stored
LOAD_MANY = 500  # entries a query of `Store.load_many`: far below SQLite's limit on a query's parameters (999 before 3.32)


class Store:
    """Signed entries by kind and name, in one SQLite file on disk (`store.db`).

    Each entry is a pickle signed with the user's key (a keyed BLAKE2b of its
    kind, name and bytes), checked before it is loaded. Entries are written as
    they are saved, in a transaction that `flush()` commits: a build holds in
    memory only the entries it is using, however large the vault, and a build
    that is killed leaves the last committed state. The search index's thread
    uses the store while the build renders: one lock guards the connection.
    Any failure of the database only loses entries: `load` then finds
    nothing, and `save` keeps nothing.
    """

    FILE = "store.db"
    # Entries saved between two commits: a cold build of a large vault commits as it goes, so the database's
    # log (`store.db-wal`) never holds more than a few MB waiting to be copied in.
    COMMIT_EVERY = 256

    def __init__(self, folder: Path, key: bytes):
        self.folder = folder
        self.key = key
        self._lock = threading.RLock()
        self._db = _open_database(folder / self.FILE)
        self._unsaved = 0

    def load(self, kind: str, name: str):
        """The object stored under `kind/name`, or None (also when its signature does not match)."""
        with self._lock:
            rows = self._query("SELECT CAST(mac AS BLOB), CAST(data AS BLOB) FROM entries WHERE kind = ? AND name = ?",
                               (kind, name))
        return self._checked(kind, name, rows[0] if rows else None)

    def load_many(self, kind: str, names: Sequence[str], per_query: int = LOAD_MANY) -> Iterator[object]:
        """What `load` gives for each of `names`, in order, read `per_query` entries a query: one query per note
        cost a build more than reading the entries (20,000 notes: 0.16 s against 0.07 s), and a chunk at a time
        holds only that many entries' bytes."""
        for start in range(0, len(names), per_query):
            chunk = names[start:start + per_query]
            marks = ", ".join("?" * len(chunk))
            with self._lock:
                rows = self._query("SELECT name, CAST(mac AS BLOB), CAST(data AS BLOB) FROM entries "
                                   f"WHERE kind = ? AND name IN ({marks})", (kind, *chunk))
            found = {name: (mac, data) for name, mac, data in rows}
            for name in chunk:
                yield self._checked(kind, name, found.get(name))

    def _checked(self, kind: str, name: str, row: tuple[bytes, bytes] | None):
        """The object of a stored row (its signature, then its bytes), or None."""
        if row is None or not hmac.compare_digest(row[0], self._mac(kind, name, row[1])):
            return None
        try:
            return pickle.loads(row[1])
        except Exception:  # signed by this user's key but written by another cartel version: start afresh
            return None

    def save(self, kind: str, name: str, value) -> None:
        """Store `value` under `kind/name` (committed by the next `flush`)."""
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self._change("INSERT OR REPLACE INTO entries (kind, name, mac, data) VALUES (?, ?, ?, ?)",
                         [(kind, name, self._mac(kind, name, data), data)])
            self._unsaved += 1
            if self._unsaved >= self.COMMIT_EVERY:
                self.flush()

    def names(self, kind: str) -> set[str]:
        """The names stored under `kind` (their entries not yet checked)."""
        with self._lock:
            return {name for (name,) in self._query("SELECT name FROM entries WHERE kind = ?", (kind,))}

    def keep_only(self, kind: str, names: set[str]) -> None:
        """Forget the entries of `kind` whose name is not in `names`."""
        with self._lock:
            stale = self.names(kind) - names
            if stale:
                self._change("DELETE FROM entries WHERE kind = ? AND name = ?", [(kind, name) for name in stale])

    def flush(self) -> None:
        """Commit what was saved and forgotten; a failure to write only loses entries."""
        with self._lock:
            self._unsaved = 0
            if self._db is not None and self._db.in_transaction:
                try:
                    self._db.commit()
                except sqlite3.Error:
                    self._fail()

    def close(self) -> None:
        """Commit, and close the database."""
        with self._lock:
            self.flush()
            if self._db is not None:
                self._db.close()
                self._db = None

    def _mac(self, kind: str, name: str, data: bytes) -> bytes:
        digest = hashlib.blake2b(key=self.key[:64], digest_size=32)
        digest.update(f"{kind}{_SEP}{name}{_SEP}".encode("utf-8", "surrogatepass"))
        digest.update(data)
        return digest.digest()

    def _query(self, sql: str, parameters: tuple) -> list[tuple]:
        if self._db is None:
            return []
        try:
            return self._db.execute(sql, parameters).fetchall()
        except sqlite3.Error:
            self._fail()
            return []

    def _change(self, sql: str, rows: list[tuple]) -> None:
        if self._db is None:
            return
        try:
            self._db.executemany(sql, rows)
        except sqlite3.Error:
            self._fail()

    def _fail(self) -> None:
        """A database that failed (disk full, damaged, locked too long) is let go: the build goes on without it."""
        try:
            self._db.rollback()
            self._db.close()
        except sqlite3.Error:
            pass
        self._db = None


_WAL_LIMIT = 16 << 20  # bytes of `store.db-wal` kept once copied into the database


def _open_database(path: Path, again: bool = True) -> sqlite3.Connection | None:
    """The store's database, made if new, made afresh if damaged; None when it cannot be opened (the build then
    keeps nothing)."""
    db = None
    try:
        db = sqlite3.connect(path, timeout=10, check_same_thread=False)
        db.execute("PRAGMA journal_mode = WAL")   # readers never wait for a writer (a preview and a build)
        db.execute("PRAGMA synchronous = NORMAL")  # a cache: no sync at each commit
        db.execute(f"PRAGMA journal_size_limit = {_WAL_LIMIT}")
        db.execute("CREATE TABLE IF NOT EXISTS entries (kind TEXT NOT NULL, name TEXT NOT NULL, mac BLOB NOT NULL, "
                   "data BLOB NOT NULL, PRIMARY KEY (kind, name))")
        db.commit()
        return db
    except sqlite3.OperationalError:  # locked, read-only, no space: not cartel's to repair
        if db is not None:
            db.close()
        return None
    except sqlite3.DatabaseError:  # not a database any more: the cache starts afresh
        if db is not None:
            db.close()
        if not again:
            return None
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return _open_database(path, again=False)


def cache_folder(vault: Path) -> Path | None:
    """`VAULT/.cartel-cache/v1`, created and tagged; None when the place is not cartel's to use."""
    root = Path(vault) / CACHE_DIR
    try:
        if root.is_symlink() or (root.exists() and not root.is_dir()):
            return None
        if root.is_dir() and not (root / TAG_NAME).is_file() and any(root.iterdir()):
            return None  # a folder cartel did not make: leave it alone
        root.mkdir(exist_ok=True)
        if not (root / TAG_NAME).is_file():
            (root / TAG_NAME).write_bytes(TAG_TEXT)
        folder = root / FORMAT
        if folder.is_symlink():
            return None
        folder.mkdir(exist_ok=True)
        return folder
    except OSError:
        return None


def remove_cache(vault: Path) -> bool:
    """Delete `VAULT/.cartel-cache` if cartel made it (it carries the cache tag); True when removed."""
    root = Path(vault) / CACHE_DIR
    if root.is_symlink() or not root.is_dir() or not (root / TAG_NAME).is_file():
        return False
    shutil.rmtree(root)
    return True


# -- the caches a build uses ---------------------------------------------------

class NoCache:
    """The same interface with nothing kept: `--no-cache`, or no place to keep a cache."""

    def __enter__(self) -> "NoCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to let go of."""
        return None

    def known_notes(self) -> KnownNotes | None:
        """What the last scan found of each note: nothing known, so every note is read."""
        return None

    def unchanged_build(self, scanned: ScanResult, output: Path) -> BuildRecord | None:
        """Never: every build is done in full."""
        return None

    def parse(self, sources: list[Source], parse: Callable[[list[Source]], Iterable[Note]],
              on_note: Callable[[Note, bool, bool], None] | None = None,
              keep: Callable[[Note], Note] | None = None) -> list[Note]:
        """Parse every source; `on_note(note, True, True)` sees each note as it is parsed (changed, parsed), and
        the list holds `keep(note)` (`cartel.parse.packed.pack_note`, for a large vault) when given."""
        notes = []
        for note in parse(sources):
            if on_note is not None:
                on_note(note, True, True)
            notes.append(keep(note) if keep else note)
        return notes

    def render(self, site: Site, render: Callable[..., Iterable[Page]]) -> Iterator[Page]:
        """Every page, as `render(site)` (`cartel.render.iter_pages`) yields it."""
        return iter(render(site))

    def stored_pages(self, keys: dict[str, str]) -> dict[str, Page]:
        """No page is kept."""
        return {}

    def store_pages(self, keys: dict[str, str], pages: tuple[Page, ...], stored: dict[str, Page]) -> None:
        """Nothing to keep."""
        return None

    def spare_tree(self, output: Path) -> SpareTree | None:
        """No spare copy of the output: every build writes a whole new tree."""
        return None

    def memo(self, kind: str) -> Memo:
        """A memo that keeps nothing."""
        return Memo()

    def record_build(self, scanned: ScanResult, output: Path, pages: int, diagnostics: tuple[Diagnostic, ...]) -> None:
        """Nothing to record."""
        return None


class BuildCache(NoCache):
    """Parse, render and tree-emitter caches of one vault, and the record of its last builds."""

    def __init__(self, store: Store, config: Config):
        self.store = store
        self.config = config
        self.site_fp = site_fingerprint(config)
        self._inputs: str | None = None
        self._moved: set[str] = set()  # notes whose bytes were not those scan recorded when parse read them

    def close(self) -> None:
        """Commit and close the store: its database is left whole, without the log of an open connection."""
        self.store.close()

    def known_notes(self) -> KnownNotes | None:
        """What the last build's scan found of each note (`cartel.scan.KnownNotes`), or None."""
        known = self.store.load("scan", _scan_record_name())
        return known if isinstance(known, KnownNotes) else None

    def unchanged_build(self, scanned: ScanResult, output: Path) -> BuildRecord | None:
        """The last build's record when the inputs and the output folder are those it left."""
        self._inputs = self._build_inputs(scanned)
        saved = self.store.load("builds", _digest((str(output),)))
        if not saved or saved.get("inputs") != self._inputs or saved.get("output") != _output_state(output):
            return None
        return saved.get("record")

    def parse(self, sources: list[Source], parse: Callable[[list[Source]], Iterable[Note]],
              on_note: Callable[[Note, bool, bool], None] | None = None,
              keep: Callable[[Note], Note] | None = None) -> list[Note]:
        """Notes from the cache where the source and the site fingerprint are unchanged; `parse` for the rest.

        `on_note(note, changed, parsed)` sees each note in the order of `sources` as
        soon as it is known, `changed` when the build parses any note afresh, this one
        or one after it (the search index may then begin at once), `parsed` when this
        one was; the list holds `keep(note)` when given. Whatever `keep` does, the
        cache stores each note as a build of this many notes keeps it (`stored_note`).
        """
        keys = {s.path: parse_key(self.site_fp, s) for s in sources}
        packed = packs_notes(self.config, len(sources))
        stored = self.store.names("parse")
        if stored - set(keys.values()):  # forgotten first: the new entries reuse their room in the database
            self.store.keep_only("parse", set(keys.values()))
        # A note the scan did not read (known unchanged) is read only if it must be parsed again.
        missing = [read_note(self.config, s) for s in sources if keys[s.path] not in stored]
        parsed = iter(parse(missing))  # lazily, in order
        loaded = self.store.load_many("parse", [keys[s.path] for s in sources if keys[s.path] in stored])
        notes = []
        for source in sources:
            key = keys[source.path]
            note = next(loaded) if key in stored else None
            fresh = not isinstance(note, Note)
            if fresh:
                # A stored entry that does not load (altered, or from another version) is parsed on its own.
                note = next(parsed) if key not in stored else next(iter(parse([read_note(self.config, source)])))
            kept = keep(note) if keep else plain_note(note)
            if fresh and note.digest == source.digest:
                self.store.save("parse", key, stored_note(note, kept, packed))
            elif fresh:  # changed or deleted since scan: its key is not this one, nor this scan's record true
                self._moved.add(source.path)
            if on_note is not None:
                on_note(kept, fresh or bool(missing), fresh)
            notes.append(kept)
        self.store.flush()
        return notes

    def render(self, site: Site, render: Callable[..., Iterable[Page]]) -> Iterator[Page]:
        """Every page as `render(site, reuse=, renderer=, keep=)` (`cartel.render.iter_pages`) yields it, note
        pages and generated pages whose dependency key is unchanged taken from the cache; the others are kept for the
        next build as they pass."""
        renderer = SiteRenderer(site)  # made once: its site context keys the pages, then it renders them
        salt = render_salt(self.site_fp, renderer.site_ctx)
        names = note_page_keys(site, salt)
        generated = generated_page_keys(renderer, salt)
        self._keep_only_pages(set(names.values()))
        self._keep_only_pages(set(generated.values()), GENERATED)
        order = [names[note.path] for note in site.notes]
        heads = dict(zip(order, self.store.load_many("render-head", order)))  # read together: cheaper than one by one
        reused: set[str] = set()

        def reuse(note: Note) -> Page | None:
            name = names[note.path]
            page = self._stored_page(name, partial(self._stored_data, name, partial(renderer.note_page, note)),
                                     head=heads.pop(name, _UNREAD))
            if page is not None:
                reused.add(note.path)
            return page

        def keep(page: str, make: Callable[[], Page]) -> Page:
            name = generated[page]
            stored = self._stored_page(name, partial(self._stored_data, name, make, GENERATED), GENERATED)
            return stored or self._keep_page(name, make(), GENERATED)

        for page in render(site, reuse=reuse, renderer=renderer, keep=keep):
            if page.source in names and page.source not in reused:
                page = self._keep_page(names[page.source], page)
            yield page
        self.store.flush()

    def stored_pages(self, keys: dict[str, str]) -> dict[str, Page]:
        """The cached page of each note whose key has one."""
        stored = {}
        for path, key in keys.items():
            page = self.store.load("render", key)
            if isinstance(page, Page):
                stored[path] = page
        return stored

    def store_pages(self, keys: dict[str, str], pages: tuple[Page, ...], stored: dict[str, Page]) -> None:
        """Keep the note pages that were rendered afresh; drop entries no note uses any more."""
        fresh = [p for p in pages if p.source in keys and stored.get(p.source) is not p]
        for page in fresh:
            self._keep_page(keys[page.source], page)
        self._forget_other_pages(keys, bool(fresh) or len(stored) != len(keys))

    def _stored_page(self, name: str, load: Callable[[], bytes], kind: str = "render", head=_UNREAD) -> Page | None:
        """The page kept as `name` (among the note pages, or the `GENERATED` ones), its HTML left in the store
        (`StoredBytes`, read by `load`) when its head is there (`head`, when read already): a build writes again
        only the pages whose bytes differ from the spare tree's, and after one note changed in a large vault that
        is a few of them (reading every page took 6.8 s at 100,000 notes)."""
        head = self.store.load(kind + "-head", name) if head is _UNREAD else head
        if not (isinstance(head, tuple) and len(head) == 5):
            return None  # a page is kept with its head (`_keep_page`), under a name no other version of cartel makes
        url, source, page_kind, digest, size = head
        return Page(url, StoredBytes(digest, size, load), source, page_kind)

    def _stored_data(self, name: str, make: Callable[[], Page], kind: str = "render") -> bytes:
        """The HTML of the page kept as `name` (among the note pages, or the `GENERATED` ones); made again by
        `make` if the store has let it go since its head was read."""
        page = self.store.load(kind, name)
        return page.data if isinstance(page, Page) else make().data

    def _keep_page(self, name: str, page: Page, kind: str = "render") -> Page:
        """Keep a page rendered afresh under its dependency key's digest `name` (among the note pages, or the
        `GENERATED` ones), and its head (URL, source, kind, digest and size of its HTML) apart; the page with its
        digest, which emit then need not compute again."""
        data = page.data
        digest = file_digest(data)
        self.store.save(kind, name, page)
        self.store.save(kind + "-head", name, (page.url, page.source, page.kind, digest, len(data)))
        return Page(page.url, StoredBytes(digest, len(data), lambda: data), page.source, page.kind)

    def _keep_only_pages(self, names: set[str], kind: str = "render") -> None:
        """Forget the kept pages (note pages, or the `GENERATED` ones), and their heads, that `names` does not name."""
        self.store.keep_only(kind, names)
        self.store.keep_only(kind + "-head", names)

    def _forget_other_pages(self, keys: dict[str, str], changed: bool) -> None:
        """Drop the kept pages no note's key names any more, and write the kept pages when they `changed`."""
        if changed:
            self._keep_only_pages(set(keys.values()))
            self.store.flush()

    def _build_inputs(self, scanned: ScanResult) -> str:
        # The commit checked out counts: a commit alone (no file changed) dates the feed's undated notes.
        return _digest((inputs_digest(self.site_fp, scanned), git_head(self.config.root)))

    def spare_tree(self, output: Path) -> SpareTree | None:
        """A second copy of `output` kept in the cache: a build writes into it only what changed, then exchanges
        it with the output (cartel.emit); the manifests of both are kept here."""
        key = _digest((str(output),))
        record = TreeRecord(self.store, key)
        return SpareTree(self.store.folder / "output-trees" / key[:32], record.spare_manifest, record.changing,
                         record.swapped)

    def memo(self, kind: str) -> Memo:
        """Entries of one kind kept in this cache (the search index's shards)."""
        return StoreMemo(self.store, kind, self.site_fp)

    def record_build(self, scanned: ScanResult, output: Path, pages: int, diagnostics: tuple[Diagnostic, ...]) -> None:
        """Remember this build's inputs and result for the next one into the same output."""
        if self._inputs is None:
            self._inputs = self._build_inputs(scanned)
        # A note that moved under the build: the next build is not taken as done already, and reads it again.
        inputs = None if self._moved else self._inputs
        self.store.save("builds", _digest((str(output),)),
                        {"inputs": inputs, "output": _output_state(output), "record": BuildRecord(pages, diagnostics)})
        self.store.keep_only("scan", {_scan_record_name()})
        self.store.save("scan", _scan_record_name(), known_notes(scanned, self._moved))
        self.store.flush()
        for folder in RETIRED_FOLDERS:
            shutil.rmtree(self.store.folder / folder, ignore_errors=True)


class TreeRecord:
    """What an output folder and its spare copy hold (cartel.emit.SpareTree), kept in the store: which of the
    manifests kept apart (kind "tree-manifests") each folder has. A manifest is kept under a name of its own
    and never moved: the spare's is read once, the output's not at all (at 100,000 notes each holds
    300,000 files, about 100 MB in memory)."""

    KIND, MANIFESTS = "trees", "tree-manifests"

    def __init__(self, store: Store, key: str):
        self.store, self.key = store, key

    def spare_manifest(self):
        """The manifest recorded for the spare folder, or None."""
        return self._manifest(self._state().get("spare"))

    def changing(self) -> None:
        """Record that the spare folder is being written: a build killed now leaves it unknown."""
        self._record({**self._state(), "spare": None})

    def swapped(self, manifest) -> None:
        """Record that the output now holds `manifest`, and the spare what the output held."""
        output = self._state().get("output")
        if isinstance(output, dict):  # recorded by a cartel that kept manifests in the state itself
            output = self._keep(output)
        self._record({"output": self._keep(manifest), "spare": output if isinstance(output, str) else None})

    def _state(self) -> dict:
        state = self.store.load(self.KIND, self.key)
        return state if isinstance(state, dict) else {}

    def _manifest(self, held):
        if isinstance(held, dict):  # recorded by a cartel that kept manifests in the state itself
            return held
        return self.store.load(self.MANIFESTS, held) if isinstance(held, str) else None

    def _keep(self, manifest) -> str:
        name = f"{self.key}-{secrets.token_hex(8)}"
        self.store.save(self.MANIFESTS, name, manifest)
        return name

    def _record(self, state: dict) -> None:
        """Save `state`, and forget this output's manifests that it does not name (other outputs' stay)."""
        store = self.store
        store.save(self.KIND, self.key, state)
        named = {name for name in state.values() if isinstance(name, str)}
        others = {name for name in store.names(self.MANIFESTS) if not name.startswith(self.key + "-")}
        store.keep_only(self.MANIFESTS, others | named)
        store.flush()


class StoreMemo(Memo):
    """A `Memo` whose entries live in the cache's store under one kind; `salt` is the site's fingerprint (code,
    configuration, theme), which a note's search record depends on besides the note's own source."""

    keeps = True

    def __init__(self, store: Store, kind: str, salt: str = ""):
        self.store = store
        self.kind = kind
        self.salt = salt

    def load(self, name: str):
        """The entry `name`, or None."""
        return self.store.load(self.kind, name)

    def save(self, name: str, value) -> None:
        """Keep `value` as `name` (written by `keep`)."""
        self.store.save(self.kind, name, value)

    def keep(self, names: set[str]) -> None:
        """Forget the other entries of this kind and write what changed."""
        self.store.keep_only(self.kind, names)
        self.store.flush()

    def folder(self, name: str) -> KeptFolder:
        """The folder `pagefind/NAME` of the cache, its manifest kept in the store."""
        store, kind = self.store, f"{self.kind}-folders"
        return KeptFolder(store.folder / "pagefind" / name, lambda: store.load(kind, name),
                          lambda manifest: store.save(kind, name, manifest))


def open_cache(vault: Path, config: Config, enabled: bool = True) -> NoCache:
    """The vault's build cache, or a `NoCache` when disabled or when there is no safe place for one."""
    if not enabled:
        return NoCache()
    key = user_key()
    folder = cache_folder(vault) if key else None
    if key is None or folder is None:
        return NoCache()
    return BuildCache(Store(folder, key), config)


def _output_state(output: Path) -> tuple | None:
    """What identifies the output folder a build left: inode and change time of the folder and its marker."""
    try:
        folder = os.stat(output, follow_symlinks=False)
        marker = os.stat(Path(output) / ".cartel-output", follow_symlinks=False)
    except OSError:
        return None
    return (str(output), folder.st_ino, folder.st_mtime_ns, marker.st_ino, marker.st_mtime_ns, marker.st_size)

