"""Emitter `search`: a Pagefind index of the built site, made in process (no Node, no CDN).

Note pages mark their main content with `data-pagefind-body` and carry their
title, type, tags and summary in `data-pagefind-meta` / `data-pagefind-filter`
attributes (theme/templates/note.html); each directory row becomes a custom
record linking to its directory page filtered on it (`?q=name`). The index is forced to
the site's language (French stemming by default). Only what `pagefind.js`
needs at search time is kept: cartel has its own small UI
(theme/static/search.js, search-ui.js, search.css), so Pagefind's UI bundles
and web worker are not published.

Two measured choices (bench/RESULTS.md):
- cartel talks to the `pagefind` binary (found by the `pagefind` package,
  shipped by `pagefind-bin`) over its service protocol itself, instead of
  through `pagefind.PagefindIndex`: that asyncio wrapper sleeps 100 ms before
  reading each response (0.1 s per page added: 400 s for 4,000 notes) and
  refuses any response over 2 MiB, which `get_files()` exceeds on a large site.
- it is a tree emitter: the service parses pages sent one by one in sequence,
  but a folder on all cores (4,000 notes: 2.3 s vs 1.1 s), so it indexes the
  staging folder the pages were just written to.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import queue
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from cartel.directory import Directory, DirectoryRow
from cartel.i18n import load_strings
from cartel.link import Site
from cartel.render import Page

BUNDLE = "pagefind"
STRINGS_FILE = "_cartel/search-strings.json"
# Inside the indexed body but not worth finding: the type label and the date line.
EXCLUDED = (".note-type", ".note-date")
# What pagefind.js loads at search time; everything else Pagefind writes is its own UI.
_KEPT_PREFIXES = ("index/", "fragment/", "filter/", "pagefind.js", "pagefind-entry.json", "pagefind.", "wasm.")
_DROPPED = ("pagefind-ui", "pagefind-modular-ui", "pagefind-component-ui", "pagefind-highlight", "pagefind-worker")
# The strings the search UI shows, sent to the browser as JSON.
UI_STRINGS = ("search", "search_label", "search_placeholder", "search_button", "search_results_one", "search_results_many",
              "search_no_result", "search_try", "search_without_filters", "search_clear_filters", "search_see_all",
              "search_filter_type", "search_filter_tag", "search_more", "search_loading", "search_unavailable",
              "search_browse", "search_filters", "questions", "resources", "tags",
              "type_question", "type_resource", "type_page", "directory")


class PagefindError(RuntimeError):
    """The Pagefind binary is missing or failed."""


@dataclass(frozen=True)
class Record:
    """A search result that is not a page: one row of a directory."""

    url: str
    title: str
    content: str
    summary: str
    kind: str = "directory"


def search_index(site: Site, pages: tuple[Page, ...], staging: Path) -> None:
    """Tree emitter: index the pages written in `staging`, add directory rows, write the bundle there."""
    write_bundle(site, build_index(staging, index_config(site), directory_records(site), site.config.language), staging)


def write_bundle(site: Site, files: dict[str, bytes], staging: Path) -> None:
    """Write Pagefind's files (made deterministic, trimmed to what `pagefind.js` loads) and the UI strings."""
    bundle = bundle_files(canonical_filters(files))
    for folder in sorted({(staging / BUNDLE / name).parent for name in bundle}):
        folder.mkdir(parents=True, exist_ok=True)
    for name, data in sorted(bundle.items()):
        (staging / BUNDLE / name).write_bytes(data)
    (staging / STRINGS_FILE).parent.mkdir(parents=True, exist_ok=True)
    (staging / STRINGS_FILE).write_bytes(ui_strings(site.config.language))


class SearchFeed:
    """The search index built while the site renders: each page goes to a Pagefind service as it is made.

    Pagefind parses pages on the other core while cartel renders and writes
    (bench/RESULTS.md), so only building the index itself is left for
    `finish`, the tree emitter a build registers in place of `search_index`.
    """

    def __init__(self, site: Site):
        self.site = site
        self.service = PagefindService().__enter__()
        self.index_id = self.service.request({"type": "NewIndex", "config": index_config(site)})["index_id"]
        self.sent = 0
        self.pending: list[dict] = []
        self.lock = threading.Lock()
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.failure: list[BaseException] = []
        self.writer = threading.Thread(target=self._write_loop, daemon=True)
        self.reader = threading.Thread(target=self._read_loop, daemon=True)
        self.answers = 0
        self.done_sending = threading.Event()
        self.writer.start()
        self.reader.start()

    def add(self, page: Page) -> None:
        """Queue one rendered page for indexing (the 404 page is not a result)."""
        if page.kind == "404":
            return
        self.queue.put({"type": "AddFile", "index_id": self.index_id, "file_path": None,
                        "url": page.url, "file_contents": page.html})

    def finish(self, site: Site, pages: tuple[Page, ...], staging: Path) -> None:
        """Tree emitter: add the directory rows, build the index and write it into `staging`."""
        try:
            for record in directory_records(site):
                self.queue.put(record_request(self.index_id, record, site.config.language))
            self.queue.put(None)
            self.writer.join()
            self.reader.join()
            if self.failure:
                raise PagefindError(f"Pagefind stopped: {self.failure[0]}")
            answer = self.service.request({"type": "GetFiles", "index_id": self.index_id})
            files = {f["path"]: base64.b64decode(f["content"]) for f in answer["files"]}
        finally:
            self.close()
        write_bundle(site, files, staging)

    def close(self) -> None:
        """Stop the service (after `finish`, or when the build fails before it)."""
        if self.service.process is not None and self.service.process.poll() is None:
            self.queue.put(None)
            self.service.__exit__(None, None, None)

    def _write_loop(self) -> None:
        service = self.service
        try:
            while (payload := self.queue.get()) is not None:
                message = service._encode(service.next_id, payload)
                service.next_id += 1
                with self.lock:
                    self.sent += 1
                service.process.stdin.write(message)
            service.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as error:
            self.failure.append(error)
        finally:
            self.done_sending.set()

    def _read_loop(self) -> None:
        try:
            while True:
                with self.lock:
                    finished = self.done_sending.is_set() and self.answers >= self.sent
                if finished:
                    return
                if self.answers >= self.sent:
                    self.done_sending.wait(0.005)
                    continue
                message = self.service._read()
                self.answers += 1
                payload = message.get("payload", {})
                if payload.get("type") == "Error":
                    raise PagefindError(f"Pagefind failed: {payload.get('message')}")
        except (PagefindError, OSError, ValueError) as error:
            self.failure.append(error)


def index_config(site: Site) -> dict:
    """Pagefind's index options: one index in the site's language, date and type labels left out."""
    language = (site.config.language or "fr").split("-")[0].lower()
    return {"force_language": language, "exclude_selectors": list(EXCLUDED)}


def build_index(folder: Path, config: dict, records: list[Record], language: str) -> dict[str, bytes]:
    """Every file Pagefind produces for the HTML under `folder` plus `records`, by relative path."""
    with PagefindService() as service:
        index_id = service.request({"type": "NewIndex", "config": config})["index_id"]
        service.request({"type": "AddDir", "index_id": index_id, "path": str(folder), "glob": None})
        service.request_many([record_request(index_id, record, language) for record in records])
        files = service.request({"type": "GetFiles", "index_id": index_id})["files"]
    return {f["path"]: base64.b64decode(f["content"]) for f in files}


def record_request(index_id: int, record: Record, language: str) -> dict:
    """The service message adding one custom record."""
    return {"type": "AddRecord", "index_id": index_id, "url": record.url, "content": record.content,
            "language": (language or "fr").split("-")[0].lower(),
            "meta": {"title": record.title, "type": record.kind, "summary": record.summary},
            "filters": {"type": [record.kind]}, "sort": None}


def bundle_files(files: dict[str, bytes]) -> dict[str, bytes]:
    """Keep what `pagefind.js` fetches; drop Pagefind's own UI, highlighter, worker and unused stemmers."""
    entry = json.loads(files.get("pagefind-entry.json", b"{}"))
    wasm = {f"wasm.{language['wasm']}.pagefind" for language in entry.get("languages", {}).values()}
    return {path: data for path, data in files.items()
            if path.startswith(_KEPT_PREFIXES) and not path.startswith(_DROPPED)
            and (not path.startswith("wasm.") or path in wasm)}


def ui_strings(language: str) -> bytes:
    """The search UI's strings in the site's language, as compact JSON."""
    strings = load_strings(language)
    return json.dumps({key: strings.get(key, "") for key in UI_STRINGS}, ensure_ascii=False,
                      separators=(",", ":"), sort_keys=True).encode("utf-8")


# -- determinism ---------------------------------------------------------------

def canonical_filters(files: dict[str, bytes]) -> dict[str, bytes]:
    """The same index with filter values and filter names in sorted order, renamed by their new content.

    Pagefind 1.5 writes a filter's values in hash-map order, which changes from run to
    run; pages, words and fragments already come out the same. So each filter chunk is
    sorted and renamed after its content, then the metadata file that names the chunks,
    then the entry file that names the metadata file.
    """
    files = dict(files)
    entry_text = files["pagefind-entry.json"].decode("utf-8")
    for language, info in json.loads(entry_text).get("languages", {}).items():
        meta_name = f"pagefind.{info['hash']}.pf_meta"
        meta = _cbor_decode(_unpack(files.pop(meta_name)))
        renamed = []
        for name, chunk in meta[3]:
            values = _cbor_decode(_unpack(files.pop(f"filter/{chunk}.pf_filter")))
            data = _cbor_encode([values[0], sorted(values[1], key=lambda v: v[0])])
            new_chunk = _content_name(language, data, 7)
            files[f"filter/{new_chunk}.pf_filter"] = _pack(data)
            renamed.append([name, new_chunk])
        meta[3] = sorted(renamed)
        data = _cbor_encode(meta)
        new_hash = _content_name(language, data, 10)
        files[f"pagefind.{new_hash}.pf_meta"] = _pack(data)
        entry_text = entry_text.replace(f'"hash":"{info["hash"]}"', f'"hash":"{new_hash}"')
    files["pagefind-entry.json"] = entry_text.encode("utf-8")
    return files


_SIGNATURE = b"pagefind_dcd"


def _unpack(data: bytes) -> bytes:
    raw = gzip.decompress(data)
    if not raw.startswith(_SIGNATURE):
        raise PagefindError("unexpected Pagefind file format")
    return raw[len(_SIGNATURE):]


def _pack(data: bytes) -> bytes:
    return gzip.compress(_SIGNATURE + data, compresslevel=9, mtime=0)


def _content_name(language: str, data: bytes, length: int) -> str:
    return f"{language}_{hashlib.sha256(data).hexdigest()[:length]}"


def _cbor_decode(data: bytes):
    """The subset of CBOR Pagefind's metadata uses: unsigned integers, text, arrays, maps."""
    value, end = _cbor_item(data, 0)
    if end != len(data):
        raise PagefindError("unexpected data after a Pagefind record")
    return value


def _cbor_item(data: bytes, at: int):
    major, info = data[at] >> 5, data[at] & 31
    at += 1
    if info < 24:
        argument = info
    elif info <= 27:
        size = 1 << (info - 24)
        argument, at = int.from_bytes(data[at:at + size], "big"), at + size
    else:
        raise PagefindError("unsupported CBOR item in a Pagefind file")
    if major == 0:
        return argument, at
    if major in (2, 3):
        raw = data[at:at + argument]
        return (raw.decode("utf-8") if major == 3 else raw), at + argument
    if major in (4, 5):
        items = []
        for _ in range(argument * (2 if major == 5 else 1)):
            item, at = _cbor_item(data, at)
            items.append(item)
        return (items if major == 4 else dict(zip(items[::2], items[1::2]))), at
    raise PagefindError("unsupported CBOR item in a Pagefind file")


def _cbor_encode(value) -> bytes:
    if isinstance(value, bool) or not isinstance(value, (int, str, bytes, list, dict)):
        raise TypeError(f"cannot encode {type(value).__name__}")
    if isinstance(value, int):
        return _cbor_head(0, value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _cbor_head(3, len(raw)) + raw
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(_cbor_encode(v) for v in value)
    return _cbor_head(5, len(value)) + b"".join(_cbor_encode(k) + _cbor_encode(v) for k, v in value.items())


def _cbor_head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | info]) + argument.to_bytes(size, "big")
    raise ValueError("integer too large for CBOR")


# -- directory rows ----------------------------------------------------------

def directory_records(site: Site) -> list[Record]:
    """One record per shown row of each directory, linking to its page filtered on the row's name."""
    return [row_record(directory, row) for directory in site.directories for row in directory.rows]


def row_record(directory: Directory, row: DirectoryRow) -> Record:
    """A directory row as a search record: its name, its other cells (not the web address) as text and summary."""
    values = [cell for i, cell in enumerate(row.cells) if cell and i not in (directory.name_index, directory.url_index)]
    url = f"{directory.url}?q={quote(row.name)}"
    return Record(url=url, title=row.name, content=". ".join([row.name] + values), summary=" · ".join(values))


# -- the Pagefind service ------------------------------------------------------

class PagefindService:
    """A running `pagefind --service`: base64 JSON messages, each followed by a comma, both ways."""

    def __init__(self, executable: Path | None = None):
        self.executable = executable or find_executable()
        self.process: subprocess.Popen | None = None
        self.buffer = bytearray()
        self.next_id = 0

    def __enter__(self) -> "PagefindService":
        try:
            self.process = subprocess.Popen([str(self.executable), "--service"], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as error:
            raise PagefindError(f"cannot start Pagefind ({self.executable}): {error}") from error
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            for pipe in (self.process.stdin, self.process.stdout):
                pipe.close()

    def request(self, payload: dict) -> dict:
        """Send one message and return its answer's payload."""
        return self.request_many([payload])[0]

    def request_many(self, payloads: list[dict]) -> list[dict]:
        """Send messages while reading answers (a writer thread, so neither pipe fills up), in order."""
        if not payloads:
            return []
        first = self.next_id
        self.next_id += len(payloads)
        messages = [self._encode(first + i, payload) for i, payload in enumerate(payloads)]
        failure: list[BaseException] = []
        writer = threading.Thread(target=self._write, args=(messages, failure), daemon=True)
        writer.start()
        answers: dict[int, dict] = {}
        try:
            while len(answers) < len(payloads):
                message = self._read()
                answers[message.get("message_id")] = message["payload"]
        finally:
            writer.join()
        if failure:
            raise PagefindError(f"Pagefind stopped reading: {failure[0]}")
        results = [answers.get(first + i, {}) for i in range(len(payloads))]
        for result in results:
            if result.get("type") == "Error":
                raise PagefindError(f"Pagefind failed: {result.get('message')}")
        return results

    def _encode(self, message_id: int, payload: dict) -> bytes:
        return base64.b64encode(json.dumps({"message_id": message_id, "payload": payload}).encode("utf-8")) + b","

    def _write(self, messages: list[bytes], failure: list) -> None:
        try:
            for message in messages:
                self.process.stdin.write(message)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            failure.append(error)

    def _read(self) -> dict:
        while (end := self.buffer.find(b",")) < 0:
            chunk = self.process.stdout.read1(1 << 20)
            if not chunk:
                raise PagefindError(f"Pagefind exited (status {self.process.poll()}) before answering")
            self.buffer += chunk
        message = json.loads(base64.b64decode(bytes(self.buffer[:end])))
        del self.buffer[:end + 1]
        return message


def find_executable() -> Path:
    """The Pagefind binary: `PAGEFIND_BINARY_PATH`, else the one `pagefind-bin` installs, else on PATH."""
    try:
        from pagefind.service import get_executable
    except ImportError as error:
        raise PagefindError("the search index needs Pagefind: pip install 'pagefind[bin]'") from error
    executable = get_executable()
    if executable is None:
        raise PagefindError("the Pagefind binary was not found: pip install pagefind-bin")
    return Path(executable)
