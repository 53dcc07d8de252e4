"""`cartel serve` as an object: the live site, the watcher and the web server, started and stopped together."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn

from cartel.serve.app import Preview, create_app
from cartel.serve.live import LiveSite, Update
from cartel.serve.watch import Watcher, ignore

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
BACKLOG = 2048  # uvicorn's own


class _Server(uvicorn.Server):
    """uvicorn's server, closing the reload channels first so that shutdown does not wait on them."""

    def __init__(self, config: uvicorn.Config, preview: Preview):
        super().__init__(config)
        self.preview = preview

    async def shutdown(self, sockets=None) -> None:
        self.preview.hub.close()
        await super().shutdown(sockets)


class PreviewServer:
    """A vault's preview: build it, then serve it and keep it up to date until stopped."""

    def __init__(self, vault: Path, host: str = "127.0.0.1", port: int = 8000, use_cache: bool = True,
                 report=ignore, report_error=ignore, index_search: bool = True):
        self.live = LiveSite(Path(vault), use_cache)
        self.preview = Preview()
        self.watcher = Watcher(self.live, self.preview, report, report_error, index_search)
        config = uvicorn.Config(create_app(self.preview), host=host, port=port, log_level="warning",
                                access_log=False, lifespan="on", timeout_graceful_shutdown=3,
                                timeout_keep_alive=5)
        self.server = _Server(config, self.preview)
        self._thread: threading.Thread | None = None
        self._sockets: list[socket.socket] = []

    def bind(self) -> None:
        """Take the address now, before anything is built; raises OSError when it cannot (a port in use, an
        address not this computer's). Called by `run` and `start` when it was not before."""
        if not self._sockets:
            self._sockets = [listening_socket(self.server.config.host, self.server.config.port)]

    def build(self) -> Update:
        """Start watching, then build the whole site once and show it."""
        self.watcher.start_watching()
        update = self.live.full()
        self.preview.publish(update)
        return update

    def run(self, on_ready=None) -> None:
        """Serve until interrupted (Ctrl-C), in this thread; `on_ready(url)` is called once it listens."""
        self.bind()
        self.watcher.start_building()
        if on_ready is not None:
            threading.Thread(target=self._when_listening, args=(on_ready,), name="cartel-ready", daemon=True).start()
        try:
            self.server.run(sockets=self._sockets)
        finally:
            self.watcher.stop()
            self._close_sockets()

    def _when_listening(self, on_ready, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.server.started and not self.server.should_exit and time.monotonic() < deadline:
            time.sleep(0.02)
        if self.server.started:
            on_ready(self.url)

    def start(self, timeout: float = 30.0) -> None:
        """Serve from a background thread; returns once the server listens."""
        self.bind()
        self.watcher.start_building()
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": self._sockets}, name="cartel-server",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        if not self.server.started:
            raise RuntimeError("the preview server did not start")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and watching."""
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self.watcher.stop()
        self._close_sockets()

    def _close_sockets(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets = []

    @property
    def port(self) -> int:
        """The port the server listens on (useful when asked for port 0), known once bound."""
        if self._sockets:
            return self._sockets[0].getsockname()[1]
        return self.server.servers[0].sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        """The preview's address."""
        host = self.server.config.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/"


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket listening on `host`:`port` (the first address `host` names), as uvicorn would make it."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(BACKLOG)  # listening holds the port; a request made during the build waits for it
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock
