"""Parsed notes kept packed, for vaults too large to hold every parsed body.

A parsed `Body` takes about 21 KB of Python objects for a 3 KB note, so a
100,000-note vault held 2.1 GB of bodies from parse to render. Packed
(marshal, then zlib at its fastest level) a body takes about 2 KB, plus
its headings, which stay as they are. A `PackedBody` stands in for the
`Body` of a note and answers the same attribute reads, so link, render and
search read it unchanged: the first read of its text, blocks, items or
splices unpacks it (about 90 µs), and a `BodyShelf` keeps the last few
hundred unpacked, so a stage that reads a note's body many times in a row
unpacks it once. The links come first in the packed bytes, and reading only
them decompresses only them: link reads nothing else of a body (parse has
read a question's or resource's parts already, `Note.shape`). A build
unpacks each body about twice: the note's page, its search record.

The build packs notes from `[build] pack_notes_from` notes on
(cartel.build.note_keeper); below that, holding the bodies is cheaper than
unpacking them again. The build cache stores a note as the build keeps it,
whichever command parsed it (`cartel.cache.stored_note`): a packed note
pickles as its bytes, and loading it costs neither unpacking nor packing
again (`pack_note` only puts it on the build's shelf; `plain_note` unpacks
it for a build, a check or a preview that keeps notes as parsed).
"""

from __future__ import annotations

import marshal
import struct
import threading
import zlib
from collections import deque
from dataclasses import replace

from cartel.config import Config
from cartel.parse import Note
from cartel.parse.markdown import Block, Body, Heading, Link, ListItem, Splice

# Bodies kept unpacked at a time: a note page reads its own body and those of the notes it embeds.
SHELF_SIZE = 256
# Packed bytes begin with the length of the links' part, which comes first once decompressed.
_LINKS_LENGTH = struct.Struct("<I")


def pack_body(body: Body) -> bytes:
    """The body's links, text, list items, blocks and splices as compressed bytes (`unpack_body` reads them back,
    `unpack_links` only the links)."""
    links = marshal.dumps(_plain(body.links))
    rest = marshal.dumps((body.text, _plain(body.items), _plain(body.blocks), _plain(body.splices)))
    return _LINKS_LENGTH.pack(len(links)) + zlib.compress(links + rest, 1)


def unpack_body(data: bytes, headings: tuple[Heading, ...], tags: tuple[str, ...], block_ids: tuple[str, ...]) -> Body:
    """The `Body` whose other fields `pack_body` packed into `data`."""
    (length,) = _LINKS_LENGTH.unpack_from(data)
    fields = memoryview(zlib.decompress(memoryview(data)[_LINKS_LENGTH.size:]))
    links = marshal.loads(fields[:length])
    text, items, blocks, splices = marshal.loads(fields[length:])
    return Body(text, headings, _typed(Link, links), tags, block_ids, _typed(ListItem, items), _typed(Block, blocks),
                _typed(Splice, splices))


def unpack_links(data: bytes) -> tuple[Link, ...]:
    """The links `pack_body` packed into `data`, decompressing no more than them."""
    (length,) = _LINKS_LENGTH.unpack_from(data)
    links = zlib.decompressobj().decompress(memoryview(data)[_LINKS_LENGTH.size:], length)
    return _typed(Link, marshal.loads(links))


def _plain(records: tuple) -> tuple:
    return tuple(map(tuple, records))


def _typed(kind: type, rows: tuple) -> tuple:
    new = tuple.__new__  # the named tuple without its Python-level constructor: same fields, same order
    return tuple([new(kind, row) for row in rows])


class BodyShelf:
    """The bodies last unpacked by `PackedBody`s, kept unpacked; beyond `size`, the oldest go back to their bytes."""

    def __init__(self, size: int = SHELF_SIZE):
        self.size = size
        self.held: deque[PackedBody] = deque()
        self.lock = threading.Lock()  # render and the search index's thread both read bodies

    def hold(self, packed: "PackedBody") -> None:
        """Keep `packed` unpacked for now, letting the oldest go."""
        with self.lock:
            self.held.append(packed)
            while len(self.held) > self.size:
                self.held.popleft().unpacked = None


class PackedBody:
    """A `Body` kept packed. Its headings, tags and block ids stay as they are: a link into a note reads them,
    from any note. Reading any other field unpacks the body, for as long as its `BodyShelf` keeps it."""

    __slots__ = ("headings", "tags", "block_ids", "data", "shelf", "unpacked")

    def __init__(self, data: bytes, headings: tuple[Heading, ...], tags: tuple[str, ...], block_ids: tuple[str, ...],
                 shelf: BodyShelf | None = None):
        self.headings, self.tags, self.block_ids = headings, tags, block_ids
        self.data = data
        self.shelf = shelf
        self.unpacked: Body | None = None

    @classmethod
    def of(cls, body: Body, shelf: BodyShelf | None) -> "PackedBody":
        """`body` packed, unpacked when read for as long as `shelf` keeps it."""
        return cls(pack_body(body), body.headings, body.tags, body.block_ids, shelf)

    def plain(self) -> Body:
        """The body unpacked, kept by no shelf."""
        return unpack_body(self.data, self.headings, self.tags, self.block_ids)

    @property
    def links(self) -> tuple[Link, ...]:
        """The body's links: from the body when it is unpacked, else unpacked alone (and not kept)."""
        body = self.unpacked
        return body.links if body is not None else unpack_links(self.data)

    def __getattr__(self, name: str):
        # Called only for names that are neither slots nor properties: text, items, blocks, splices.
        body = self.unpacked
        if body is None:
            body = self.plain()
            if self.shelf is None:  # on no shelf (just unpickled): unpacked each time, never held
                return getattr(body, name)
            self.unpacked = body
            self.shelf.hold(self)
        return getattr(body, name)

    def __reduce__(self):  # pickled (the parse cache) as its bytes, on no shelf
        return PackedBody, (self.data, self.headings, self.tags, self.block_ids)


def packs_notes(config: Config, notes: int) -> bool:
    """Whether a build of `notes` notes keeps them packed (`[build] pack_notes_from`), and the cache stores them so."""
    return notes >= config.pack_notes_from


def pack_note(note: Note, shelf: BodyShelf | None) -> Note:
    """The same note, its body packed (`PackedBody`) on `shelf` (None: unpacked at each read, never held); a note
    packed already is only put on it."""
    body = note.body
    if isinstance(body, PackedBody):
        return replace(note, body=PackedBody(body.data, body.headings, body.tags, body.block_ids, shelf))
    return replace(note, body=PackedBody.of(body, shelf))


def plain_note(note: Note) -> Note:
    """The same note with its body as parsed (unpacked when packed)."""
    return replace(note, body=note.body.plain()) if isinstance(note.body, PackedBody) else note
