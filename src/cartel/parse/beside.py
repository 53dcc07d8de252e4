"""A large vault's notes parsed by two processes: this one and a helper started for the build.

Parse is pure (a note depends on its source and the config), so any process
can parse any note. A vault whose search index is not begun during parse
leaves the second core idle while it parses; there a helper process parses
notes too. It packs each note (`cartel.parse.packed`) before sending it
back, so a note crosses the pipe as a few KB of bytes; a build that keeps
notes packed takes it as it is, the others unpack it. The helper takes
chunks of notes from the end of the vault and this process from the start,
until they meet: neither waits for the other, and the notes still come out
in order. Where the helper cannot start or fails, this process parses its
chunks too.

The helper is `python -m cartel.parse.beside`, fed pickled frames on its
standard input: not a `multiprocessing` pool, whose new processes import the
caller's main script again (a script that builds without a `__main__` guard
would build again in each).

Measured in bench/RESULTS.md: where the index is begun during parse, the
index takes the second core, and parsing beside it was slower.
"""

from __future__ import annotations

import gc
import os
import pickle
import queue
import site
import struct
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Sequence

from cartel import COLLECTOR_THRESHOLDS
from cartel.config import Config
from cartel.parse import Note, parse_note
from cartel.parse.packed import pack_note
from cartel.scan import Source

CHUNK = 100  # notes a chunk: small enough that the two processes meet near the middle
BESIDE_FROM = 2_000  # notes to parse: below, starting the helper (a new interpreter) costs what it saves
IN_FLIGHT = 2  # chunks sent ahead to the helper: one parsed while the next one's bytes cross the pipe
_LENGTH = struct.Struct("<Q")


def parse_beside(sources: Sequence[Source], config: Config, parse_here: Callable[[Source], Note]) -> Iterator[Note]:
    """Every note of `sources`, in order: parsed here by `parse_here`, or packed by the helper process."""
    chunks = [sources[start:start + CHUNK] for start in range(0, len(sources), CHUNK)]
    helper = _Helper.start(config, chunks)
    if helper is None:
        yield from map(parse_here, sources)
        return
    try:
        for index, chunk in enumerate(chunks):
            notes = helper.take(index)
            yield from notes if notes is not None else map(parse_here, chunk)
    finally:
        helper.stop()


class _Helper:
    """The helper process, and the thread that sends it chunks from the end and reads its notes back."""

    def __init__(self, process: subprocess.Popen, config: Config, chunks: list[Sequence[Source]]):
        self.process = process
        self.chunks = chunks
        self.front = 0  # the chunks below are this process's
        self.back = len(chunks)  # the chunks from here on are the helper's
        self.notes: dict[int, list[Note]] = {}
        self.ended = False  # the helper sends nothing more
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._run, args=(config,), name="cartel-parse-helper", daemon=True)
        self.thread.start()

    @classmethod
    def start(cls, config: Config, chunks: list[Sequence[Source]]) -> "_Helper | None":
        """The helper at work on `chunks`, or None when no process can be started."""
        try:
            process = subprocess.Popen([sys.executable, "-m", "cartel.parse.beside"], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=helper_environment())
        except (OSError, TypeError, ValueError):
            return None
        return cls(process, config, chunks)

    def take(self, index: int) -> list[Note] | None:
        """The helper's notes of chunk `index` (asked in order), once read; None when this process is to parse it:
        the helper has not taken it (and now never will), or ended without sending it."""
        with self.changed:
            if index < self.back:
                self.front = index + 1
                return None
            self.changed.wait_for(lambda: index in self.notes or self.ended)
            return self.notes.pop(index, None)

    def stop(self) -> None:
        """End the helper (done or not) and wait for it."""
        with self.changed:
            self.front = len(self.chunks)  # nothing more to take
        self.process.kill()
        self.process.wait()
        self.thread.join()
        for pipe in (self.process.stdin, self.process.stdout):
            pipe.close()

    def _claim(self) -> int | None:
        with self.changed:
            if self.back - 1 < self.front:
                return None
            self.back -= 1
            return self.back

    def _run(self, config: Config) -> None:
        sent: deque[int] = deque()
        try:
            write_frame(self.process.stdin, config)
            while True:
                while len(sent) < IN_FLIGHT and (index := self._claim()) is not None:
                    write_frame(self.process.stdin, self.chunks[index])
                    sent.append(index)
                if not sent:
                    break
                notes = read_frame(self.process.stdout)
                with self.changed:
                    self.notes[sent.popleft()] = notes
                    self.changed.notify_all()
        except Exception:  # whatever stopped the helper, this process parses what it did not send back
            pass
        finally:
            with self.changed:
                self.ended = True
                self.changed.notify_all()
            try:
                self.process.stdin.close()
            except OSError:
                pass


def helper_environment() -> dict[str, str]:
    """The build's environment, with the folder this cartel is imported from on the helper's path when a plain
    interpreter would not find it there (a checkout put on `sys.path` by hand); never a site folder, whose
    modules would then come before the standard library's."""
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    folders = [*getattr(site, "getsitepackages", list)(), site.getusersitepackages()]  # old virtualenvs lack the first
    sites = {str(Path(folder).resolve()) for folder in folders}
    if package_root not in sites:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [env.get("PYTHONPATH"), package_root]))
    return env


def write_frame(stream: BinaryIO, value) -> None:
    """Write `value` as a frame."""
    stream.write(frame_of(value))
    stream.flush()


def frame_of(value) -> bytes:
    """`value` pickled, after its length."""
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


def read_frame(stream: BinaryIO):
    """The next value `write_frame` wrote; EOFError at the end of the stream."""
    return pickle.loads(_read_raw_frame(stream))


def _read_raw_frame(stream: BinaryIO) -> bytes:
    (length,) = _LENGTH.unpack(_read_exactly(stream, _LENGTH.size))
    return _read_exactly(stream, length)


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the stream ended")
    return data


def serve(frames: Iterator[bytes], send: Callable[[list[Note]], None]) -> None:
    """The helper's side: a config, then chunks of sources, as frames; each chunk's notes sent back in turn,
    packed (on no shelf: they are pickled right after)."""
    config = pickle.loads(next(frames))
    for frame in frames:
        send([pack_note(parse_note(source, config), shelf=None) for source in pickle.loads(frame)])


def frames_read_ahead(stream: BinaryIO) -> Iterator[bytes]:
    """The frames of `stream`, read by a thread as soon as they come: the build never waits to send a chunk."""
    frames: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    def read_all() -> None:
        try:
            while True:
                frames.put(_read_raw_frame(stream))
        except EOFError:
            frames.put(None)

    threading.Thread(target=read_all, daemon=True).start()
    while (frame := frames.get()) is not None:
        yield frame


class FramesWrittenBehind:
    """Values written to a stream as frames by a thread: the helper parses the next chunk while the build, busy
    parsing too, takes its time to read the last one's notes (a wait of tens of ms a chunk, measured)."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.frames: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._write_all, daemon=True)
        self.thread.start()

    def send(self, value) -> None:
        """Pickle `value` (here) and have it written."""
        self.frames.put(frame_of(value))

    def close(self) -> None:
        """Wait until every value sent is written."""
        self.frames.put(None)
        self.thread.join()

    def _write_all(self) -> None:
        try:
            while (frame := self.frames.get()) is not None:
                self.stream.write(frame)
                self.stream.flush()
        except OSError:
            pass  # the build has stopped reading: it parses what it lacks itself


if __name__ == "__main__":
    gc.set_threshold(*COLLECTOR_THRESHOLDS)  # the helper makes and drops many small objects, as the build does
    written = FramesWrittenBehind(sys.stdout.buffer)
    serve(frames_read_ahead(sys.stdin.buffer), written.send)
    written.close()
