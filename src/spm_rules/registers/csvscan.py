"""What the Python reader would make of a CSV file's lines, told from its bytes in one pass
over them, a chunk at a time, before DuckDB reads the file.

DuckDB's reader is taken for a file only where it cuts the lines and cells exactly as the
Python reader does (`duckcsv`): UTF-8, no quote character, no NUL, every CR the first half of
a CRLF, a header near the top. Those facts, the count of lines and of delimiters, are ASCII
bytes (LF, CR, the delimiter), which never stand inside a UTF-8 character, so they are
counted in the bytes; the text is decoded only for its first lines (the header), and to prove
it UTF-8 from its first byte that is not ASCII on.

The file is read a megabyte at a time (a city's register is a hundred megabytes): its whole
bytes were read into one object before, and every count was a pass over memory the size of
the file; a chunk is counted while it is in the processor's cache, and nothing the size of the
file is held while DuckDB reads it.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import BinaryIO, NamedTuple

from ..limits import Limits
from .digest import FileDigest
from .tables import _delimiter

CHUNK_BYTES = 1 << 20  # a chunk of the file counted at a time
HEADER_SEARCH = 1000  # lines looked at for the header; a later one is left to the Python path

_BOM = b"\xef\xbb\xbf"
_LONE_CR = re.compile(rb"\r(?!\n)")  # (a third of the time of counting CRs and CR LFs)


@dataclass(frozen=True, slots=True)
class Layout:
    """A file's header and the facts of its lines that `duckcsv` needs to know DuckDB cuts
    them as the Python reader does; `again` gives the file's bytes once more (the rare file
    whose lines DuckDB is then given as one text)."""

    start: int  # where the text starts (after a byte order mark)
    header: list[str]
    header_line: int
    delimiter: str
    lines: int  # physical lines, as `tables.split_lines` counts them
    crlf: bool  # whether any line ends in CR LF (every CR does)
    ends_lf: bool  # whether the last byte is LF
    data_delimiters: int | None  # delimiters after the header's line; None: no line after it
    blank_first: bool  # whether the text starts with an empty line
    blank_inside: bool  # an empty line anywhere (looked for only in a file of one column)
    again: Callable[[], bytes]

    @property
    def text(self) -> str:
        """The file's text, as `raw.decode("utf-8-sig")` makes it."""
        return self.again()[self.start :].decode("utf-8")


def cells(line: str, delimiter: str) -> list[str]:
    """`csv.reader`'s cells of one line without quotes (its line end removed)."""
    line = line.removesuffix("\r")
    return line.split(delimiter) if line else []


class Scanned(NamedTuple):
    """A file's layout (None: left to the Python reader) and, with one, the SHA-256 of the
    bytes it was told from."""

    layout: Layout | None
    digest: str | None


def scan_file(path: Path, header_row: int, limits: Limits) -> Scanned | None:
    """`scan` of a file, its bytes hashed as they are read (`FileDigest`); None when it cannot
    be read (the Python path says why, in the user's words). Pure: the reader scans the next
    file in a thread of its own while DuckDB reads this one (`readers.read_folder`)."""
    digest = FileDigest()
    try:
        with path.open("rb") as stream:
            found = scan(chunks(stream, digest.update), header_row, limits, path.read_bytes)
    except OSError:
        return None
    finally:
        digest.close()
    return Scanned(found, None if found is None else digest.hexdigest())


def chunks(stream: BinaryIO, fed: Callable[[bytes], object] | None = None) -> Iterator[bytes]:
    """The stream's bytes a chunk at a time, each given to `fed` as it is read (a checksum)."""
    while chunk := stream.read(CHUNK_BYTES):
        if fed is not None:
            fed(chunk)
        yield chunk


def layout(raw: bytes, header_row: int, limits: Limits) -> Layout | None:
    """`scan` of bytes in memory."""
    parts = (raw[i : i + CHUNK_BYTES] for i in range(0, len(raw), CHUNK_BYTES))
    return scan(parts, header_row, limits, lambda: raw)


def scan(
    parts: Iterable[bytes], header_row: int, limits: Limits, again: Callable[[], bytes]
) -> Layout | None:
    """The file's layout when the Python reader would split every line of it exactly at LF
    and the delimiter; None when it might not (quotes, a lone CR, NUL, not UTF-8, no header
    near the top, a duplicated header, too many lines). `parts`: the file's bytes in order,
    read no further than needed to say None."""
    wanted = header_row + HEADER_SEARCH
    parts = iter(parts)
    prefix: list[bytes] = []  # read until the lines the header is looked for in are all in
    newlines = 0
    for part in parts:
        prefix.append(part)
        newlines += part.count(b"\n")
        if newlines >= wanted:
            break
    first = b"".join(prefix)
    if first.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    start = len(_BOM) if first.startswith(_BOM) else 0
    try:
        head = first_lines(first, start, wanted)
    except UnicodeDecodeError:
        return None
    found = _header(head, header_row, limits)
    if found is None:
        return None
    header, header_line, delimiter = found
    counts = _Counts(delimiter.encode("ascii"), one_column=len(header) == 1)
    for part in chain(prefix, parts):
        if not counts.add(part):
            return None
    if not counts.finished():
        return None
    lines = counts.newlines + (not counts.tail.endswith(b"\n"))
    if lines > limits.sheet_rows:
        return None
    data_start = start
    for _line in range(header_line):
        data_start = first.find(b"\n", data_start) + 1
        if data_start == 0:
            break
    head_delimiters = first.count(counts.delimiter, 0, data_start) if data_start else 0
    return Layout(
        start=start,
        header=header,
        header_line=header_line,
        delimiter=delimiter,
        lines=lines,
        crlf=counts.crlf,
        ends_lf=counts.tail.endswith(b"\n"),
        data_delimiters=counts.delimiters - head_delimiters if data_start else None,
        blank_first=first.startswith((b"\n", b"\r\n"), start),
        blank_inside=counts.blank,
        again=again,
    )


def _header(head: list[str], header_row: int, limits: Limits) -> tuple[list[str], int, str] | None:
    """The header (its names, its line, the delimiter) as the Python reader finds it in the
    first lines: the first line from `header_row` on with a cell that is not blank."""
    first = head[header_row - 1] if len(head) >= header_row else head[0]
    delimiter = _delimiter(first.rstrip("\r\n"))
    for n, line in enumerate(head[header_row - 1 :], start=header_row):
        found = cells(line, delimiter)
        if any(c.strip() for c in found):
            header = [h.strip().lstrip("\ufeff") for h in found]
            named = [h for h in header if h]
            if len(named) != len(set(named)) or len(header) > limits.sheet_columns:
                return None
            return header, n, delimiter
    return None


class _Counts:
    """The facts of a file's bytes, added up a chunk at a time; `tail`: its last two bytes so
    far (a CR LF, or an empty line, may stand across two chunks)."""

    __slots__ = (
        "blank", "crlf", "decoder", "delimiter", "delimiters", "newlines", "one_column", "tail",
    )  # fmt: skip

    def __init__(self, delimiter: bytes, one_column: bool) -> None:
        self.delimiter, self.one_column = delimiter, one_column
        self.newlines = self.delimiters = 0
        self.blank = self.crlf = False
        self.tail = b""
        self.decoder: codecs.IncrementalDecoder | None = None  # from the first byte not ASCII

    def add(self, part: bytes) -> bool:
        """Counts one chunk; False when the file cannot be the reader's (a quote, NUL, not
        UTF-8)."""
        if b'"' in part or b"\x00" in part:
            return False
        if self.tail.endswith(b"\r") and not part.startswith(b"\n"):
            return False  # a CR that is not the first half of a CR LF
        if b"\r" in part:
            self.crlf = True
            lone = _LONE_CR.search(part)
            if lone and lone.start() < len(part) - 1:  # (a last CR: told with the next chunk)
                return False
        self.newlines += part.count(b"\n")
        self.delimiters += part.count(self.delimiter)
        if self.decoder is not None or not part.isascii():
            # (the chunks before were ASCII: whole characters, nothing left to carry)
            self.decoder = self.decoder or codecs.getincrementaldecoder("utf-8")()
            try:
                self.decoder.decode(part)
            except UnicodeDecodeError:
                return False
        if self.one_column and not self.blank:
            joint = self.tail + part[:2]
            self.blank = any(empty in part or empty in joint for empty in (b"\n\n", b"\n\r\n"))
        self.tail = part[-2:] if len(part) >= 2 else (self.tail + part)[-2:]  # (not a copy of the chunk)
        return True

    def finished(self) -> bool:
        """Whether the file ends as the reader's may: not in a CR, nor in a character cut."""
        if self.tail.endswith(b"\r"):
            return False
        if self.decoder is None:
            return True
        try:
            self.decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
        return True


def first_lines(raw: bytes, start: int, n: int) -> list[str]:
    """`raw[start:].decode().split("\n", n)[:n]` without decoding or copying the rest."""
    end = start
    for _line in range(n):
        end = raw.find(b"\n", end) + 1
        if end == 0:
            return raw[start:].decode("utf-8").split("\n")[:n]
    return raw[start:end].decode("utf-8").split("\n")[:n]
