"""The preview's web app: the site from memory, a reload channel, the editor's overlay.

Only what the build produced is served, by exact output path: a request path
is never joined to a folder, and one that is malformed or tries to climb out
(`..` or `.` segments, encoded dots or slashes, backslashes, NUL, empty
segments) gets the site's 404. Responses carry their content type, a strong
ETag (and 304 when it matches) and `Cache-Control: no-cache`, so a reload
always asks and gets the newest page.

HTML responses get, only here and never in a build, a small script that opens
`/_cartel/events` (Server-Sent Events) and reloads the page when its content
changes; and when the page's note has errors or warnings, an overlay listing
them. The reload check is by version: the page carries the version it was
served at, and the server sends `reload` as soon as the version it would
serve now differs, so a change made while the page loaded is not missed.
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
from contextlib import asynccontextmanager
from dataclasses import dataclass
from html import escape
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cartel.emit import output_path
from cartel.serve.live import Snapshot, Update

EVENTS_PATH = "/_cartel/events"
SCRIPT_PATH = "/_cartel/live.js"
KEEPALIVE_SECONDS = 15.0
NOT_FOUND = "404.html"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json", ".xml": "application/xml; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8", ".md": "text/plain; charset=utf-8", ".svg": "image/svg+xml",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".avif": "image/avif", ".ico": "image/x-icon", ".bmp": "image/bmp", ".pdf": "application/pdf",
    ".wasm": "application/wasm", ".woff2": "font/woff2", ".woff": "font/woff", ".mp4": "video/mp4",
    ".webm": "video/webm", ".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".zip": "application/zip",
}

LIVE_SCRIPT = b"""(() => {
  "use strict";
  const script = document.currentScript;
  const overlay = document.getElementById("cartel-overlay");
  if (overlay) {
    const close = overlay.querySelector("[data-cartel-close]");
    if (close) close.addEventListener("click", () => { overlay.hidden = true; });
  }
  if (!script || !window.EventSource) return;
  const query = "?path=" + encodeURIComponent(location.pathname) + "&version=" + encodeURIComponent(script.dataset.version || "");
  const events = new EventSource("/_cartel/events" + query);
  events.addEventListener("reload", () => { events.close(); location.reload(); });
})();
"""

_OVERLAY_STYLE = ("position:fixed;right:1rem;bottom:1rem;z-index:2147483647;box-sizing:border-box;"
                  "max-width:min(42rem,calc(100vw - 2rem));max-height:60vh;overflow:auto;padding:1rem;"
                  "background:#fff;color:#1b1b1b;border:3px solid #a4001d;border-radius:.5rem;"
                  "box-shadow:0 .5rem 2rem rgba(0,0,0,.3);font:15px/1.45 system-ui,sans-serif;text-align:left")


def content_type(name: str) -> str:
    """The Content-Type of an output file, by its extension."""
    dot = name.rfind(".")
    extension = name[dot:].lower() if dot > name.rfind("/") else ""
    if extension in CONTENT_TYPES:
        return CONTENT_TYPES[extension]
    guessed, _ = mimetypes.guess_type(name, strict=True)
    return guessed or "application/octet-stream"


def request_key(path: str, raw_path: bytes | None = None) -> str | None:
    """The output path a request path names (`/a/b/` → `a/b/index.html`), or None when it must not be looked up."""
    if not path.startswith("/") or any(c in path for c in ("\\", "\x00", "%")) or "//" in path:
        return None
    lowered = (raw_path or b"").lower()
    if any(code in lowered for code in (b"%2e", b"%2f", b"%5c", b"%00", b"%25")):
        return None
    if any(part in (".", "..") for part in path[1:].split("/")):
        return None
    return output_path(path)


def overlay_html(title: str, lines: list[tuple[str, str, str]]) -> str:
    """The editor's overlay: a title and (location, severity[rule] message, hint) lines, all escaped."""
    items = "".join(
        f'<li style="margin:.35rem 0"><code style="font-size:.9em">{escape(where)}</code> {escape(what)}'
        + (f'<br><small style="color:#444">{escape(hint)}</small>' if hint else "") + "</li>"
        for where, what, hint in lines)
    return (f'<aside id="cartel-overlay" role="alert" aria-label="cartel" style="{_OVERLAY_STYLE}">'
            f'<p style="margin:0 0 .5rem;font-weight:700;color:#a4001d">{escape(title)}</p>'
            f'<ul style="margin:0;padding-left:1.2rem">{items}</ul>'
            '<button type="button" data-cartel-close style="margin-top:.75rem;font:inherit">Fermer / Close</button>'
            "</aside>")


@dataclass(frozen=True)
class Served:
    """One response body as the preview serves it."""

    body: bytes
    etag: str
    content_type: str


class Preview:
    """What the server shows: the latest snapshot, the search index files, and the reload hub.

    The watcher thread replaces `snapshot` and `search` (whole objects, never
    mutated); requests read them on the event loop.
    """

    def __init__(self) -> None:
        self.snapshot = Snapshot({}, {}, {})
        self.search: dict[str, bytes] = {}
        self.hub = Hub(self)
        self._served: dict[str, tuple[tuple, Served]] = {}   # output path → ((bytes, problems, banner), response)

    def publish(self, update: Update) -> None:
        """Show a new snapshot and tell the pages that changed to reload (from any thread)."""
        self.snapshot = update.snapshot
        self.hub.notify(update.changed)

    def publish_search(self, files: dict[str, bytes]) -> None:
        """Show a new search index (from any thread); no page embeds its files, so none reloads."""
        self.search = files

    def find(self, name: str) -> Served | None:
        """The response body for an output path, with its overlay and reload script for HTML; None if absent."""
        snapshot = self.snapshot
        data = snapshot.files.get(name)
        if data is None:
            data = self.search.get(name)
        if data is None:
            return None
        problems = snapshot.problems.get(snapshot.sources.get(name, ""), ()) if name.endswith(".html") else ()
        banner = snapshot.banner if name.endswith(".html") else ()
        held = self._served.get(name)
        # The very bytes object (held here, so it cannot be freed and its id reused), not an equal id.
        if held is not None and held[0][0] is data and held[0][1:] == (problems, banner):
            return held[1]
        served = self._make(name, data, problems, banner)
        self._served[name] = ((data, problems, banner), served)
        if len(self._served) > 4 * max(len(snapshot.files), 1000):
            self._served.clear()
        return served

    def version_of(self, name: str | None) -> str:
        """The version a page at this output path would be served at now (the 404 page's when absent)."""
        served = (self.find(name) if name else None) or self.find(NOT_FOUND)
        return served.etag.strip('"') if served else ""

    def _make(self, name: str, data: bytes, problems: tuple, banner: tuple) -> Served:
        kind = content_type(name)
        if not name.endswith(".html"):
            return Served(data, f'"{hashlib.blake2b(data, digest_size=16).hexdigest()}"', kind)
        extra = b""
        if banner:
            extra += overlay_html("cartel: the site could not be fully rebuilt",
                                  [("", line.split("\n")[0], "\n".join(line.split("\n")[1:]).strip()) for line in banner]).encode()
        elif problems:
            count = len(problems)
            title = f"cartel: {count} problem{'s' * (count != 1)} in {problems[0].path}"
            lines = [(f"{d.path}:{d.line}:{d.column}", f"{d.severity.value}[{d.rule}] {d.message}", d.hint) for d in problems]
            extra += overlay_html(title, lines).encode()
        version = hashlib.blake2b(data + b"\0" + extra, digest_size=16).hexdigest()
        extra += f'<script src="{SCRIPT_PATH}" data-version="{version}" defer></script>'.encode()
        end = data.rfind(b"</body>")
        body = data[:end] + extra + data[end:] if end >= 0 else data + extra
        return Served(body, f'"{version}"', kind)


class Hub:
    """The open reload channels; notified from the watcher thread, served on the event loop."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview
        self.loop: asyncio.AbstractEventLoop | None = None
        self.listeners: set[_Listener] = set()
        self.closed = False

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Bind to the server's event loop (at startup)."""
        self.loop = loop
        self.closed = False

    def notify(self, changed: frozenset[str]) -> None:
        """Check every open page against the new state (thread-safe)."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._check_all, changed)
        except RuntimeError:  # the loop closed meanwhile
            return

    def close(self) -> None:
        """End every channel (on the event loop, at shutdown)."""
        self.closed = True
        for listener in list(self.listeners):
            listener.queue.put_nowait(None)

    def _check_all(self, changed: frozenset[str]) -> None:
        assets = [name for name in changed if not name.endswith(".html")]
        for listener in list(self.listeners):
            if self.needs_reload(listener, assets):
                listener.queue.put_nowait("reload")

    def needs_reload(self, listener: "_Listener", changed_assets: list[str] = ()) -> bool:
        """Whether the page a listener shows is out of date: its version differs, or a file it shows changed."""
        if self.preview.version_of(listener.name) != listener.version:
            return True
        if not changed_assets:
            return False
        served = self.preview.find(listener.name or NOT_FOUND) or self.preview.find(NOT_FOUND)
        body = served.body if served else b""
        # Only what the page shows from the file (images, embedded PDFs), not links to it (the feed, the sitemap).
        return any(pattern.format(name).encode() in body
                   for name in changed_assets for pattern in ('src="/{}"', 'data="/{}"', "/{} "))


@dataclass(eq=False)
class _Listener:
    name: str | None
    version: str
    queue: asyncio.Queue


class EventStream:
    """`/_cartel/events?path=…&version=…`: a Server-Sent Events stream that says `reload` when the page is stale."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def __call__(self, scope, receive, send) -> None:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        path = query.get("path", ["/"])[0]
        listener = _Listener(request_key(path), query.get("version", [""])[0], asyncio.Queue())
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache"),
            (b"x-content-type-options", b"nosniff")]})
        await send({"type": "http.response.body", "body": b"retry: 1000\n\n", "more_body": True})
        self.hub.listeners.add(listener)
        disconnected = asyncio.ensure_future(_wait_disconnect(receive))
        try:
            if self.hub.needs_reload(listener):
                listener.queue.put_nowait("reload")
            while not self.hub.closed:
                getter = asyncio.ensure_future(listener.queue.get())
                done, _ = await asyncio.wait({getter, disconnected}, timeout=KEEPALIVE_SECONDS,
                                             return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    getter.cancel()
                if disconnected in done:
                    break
                message = getter.result() if getter in done else ": keep-alive"
                if message is None:
                    break
                text = ": keep-alive\n\n" if message.startswith(":") else f"event: {message}\ndata: {message}\n\n"
                await send({"type": "http.response.body", "body": text.encode(), "more_body": True})
        finally:
            self.hub.listeners.discard(listener)
            gone = disconnected.done()
            disconnected.cancel()
        if not gone:
            try:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            except OSError:  # the client went away meanwhile: nothing to end
                pass


async def _wait_disconnect(receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


def create_app(preview: Preview) -> Starlette:
    """The Starlette app serving `preview`."""

    async def live_script(request: Request) -> Response:
        return Response(LIVE_SCRIPT, headers={"cache-control": "no-cache", "x-content-type-options": "nosniff"},
                        media_type="text/javascript; charset=utf-8")

    async def site_file(request: Request) -> Response:
        return respond(preview, request)

    @asynccontextmanager
    async def lifespan(app):
        preview.hub.attach(asyncio.get_running_loop())
        yield
        preview.hub.close()

    return Starlette(routes=[
        Route(EVENTS_PATH, EventStream(preview.hub), methods=["GET"]),
        Route(SCRIPT_PATH, live_script, methods=["GET", "HEAD"]),
        Route("/{path:path}", site_file, methods=["GET", "HEAD"]),
    ], lifespan=lifespan)


def respond(preview: Preview, request: Request) -> Response:
    """The response to a GET or HEAD for a site path: the file, a redirect to the folder's page, or the 404 page."""
    path = request.scope.get("path", "/")
    key = request_key(path, request.scope.get("raw_path"))
    served = preview.find(key) if key else None
    if served is None and key and not path.endswith("/") and preview.find(output_path(path + "/")):
        query = request.scope.get("query_string", b"").decode("latin-1")
        return Response(status_code=301, headers={"location": path + "/" + (f"?{query}" if query else "")})
    status = 200
    if served is None:
        status = 404
        served = preview.find(NOT_FOUND) or Served(b"404 Not Found\n", '"404"', "text/plain; charset=utf-8")
    headers = {"etag": served.etag, "cache-control": "no-cache", "x-content-type-options": "nosniff",
               "content-type": served.content_type}
    if status == 200 and _matches(request.headers.get("if-none-match", ""), served.etag):
        return Response(status_code=304, headers={k: v for k, v in headers.items() if k != "content-type"})
    headers["content-length"] = str(len(served.body))
    body = b"" if request.method == "HEAD" else served.body
    return Response(body, status_code=status, headers=headers)


def _matches(header: str, etag: str) -> bool:
    """Whether an If-None-Match header names this ETag (weak comparison, as RFC 9110 asks for GET)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))
