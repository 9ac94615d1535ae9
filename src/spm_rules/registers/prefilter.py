"""Only the rows that can concern one subject: `explain` at city scale.

Explaining one person must not read a city's registers (millions of rows) through the row
validator. The register of one subject is read from the rows whose text holds one of the
subject's identifiers, found with a byte search over each file:

1. the identifiers start as the key asked for (a NIK, a pregnancy number, a local id);
2. every CSV line that contains one of them is kept, with its own line number;
3. the identifier fields of the kept rows (the contract's keys, unique and episode fields,
   person identities and personal fields such as the mother's NIK) add identifiers, and the
   search is repeated until nothing new is found — a pregnancy brings its mother's NIK, the
   NIK brings her other pregnancy numbers, visits and her row in the person register.

The kept rows then go through the same reader, the same cross-record checks and the same
interpreter as a full read. A subject's verdict depends only on records that share one of
its identifiers (links by key, the person register by NIK, episodes by the person, duplicates
and merges by key), so the verdict, its criteria and the records named are those of a full
read; tests/test_prefilter.py checks this for every subject of the bundled registers and
worked examples. A substring match may keep rows of other people (an id "12" is found in
many lines): they are read too, which costs time, never correctness.

A CSV file is searched by bytes only when a byte search cannot cut a row apart or misnumber
it: no quotes (a quoted cell may span lines), no NUL bytes, not UTF-16. Other files (quotes,
UTF-16, XLSX, JSON Lines, Parquet) are parsed by the reader as usual and their rows
kept by the same test on the cells — still no validation, linking or evaluation of the rest.
Tables of kinds without identifiers (a sasaran table) are taken whole. Warnings about other
rows of a file (a broken line elsewhere) are not repeated by `explain`.

The time is that of the byte search: each file is scanned once per identifier (the first
occurrence found while asking whether the file holds the key is where the collection of its
lines goes on), and a key with a byte that is rare in the file (the letters of `KH-000001`
among digits) is found by looking for that byte alone, several times faster (`_Needle`).
"""

from __future__ import annotations

import csv
import dataclasses
import mmap
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..limits import DEFAULT_LIMITS, Limits
from .contract import Contract, RecordKind
from .idindex import FileEntry, Index
from .mapping import Mapping
from .tables import BROKEN, RawTable, _delimiter, _finish, split_lines

_LINE_END = re.compile(rb"\r\n|\r|\n")
_SAMPLE = 1 << 16  # bytes of a file looked at to tell which byte of a key is rare in it
_RARE = 1 << 12  # a byte seen less than once in this many is rare enough to search for alone
_MISSES = 10_000  # candidates that were not the key, before a needle falls back to a plain find
MAX_ROUNDS = 6  # a person, their episodes, the episodes' other keys: three rounds in practice
MAX_KEYS = 2_000  # beyond this the "slice" is no longer small: read in full


class SliceTooWide(Exception):
    """The identifiers grew past MAX_KEYS: the caller reads the register in full."""


def id_fields(kind: RecordKind) -> frozenset[str]:
    """The fields of a kind whose values name a subject, a person or an episode.

    Of an identity alternative such as `fasilitas + id_lokal`, only the last field names the
    person (the first is its scope, shared by thousands); of the unique constraints, only those
    of one field (a school year in `id_orang + tahun_ajaran` names no one)."""
    names: set[str] = set()
    if kind.key:
        names.add(kind.key)
    names |= {u[0] for u in kind.unique if len(u) == 1}  # (id_orang, tahun_ajaran): not a year
    if kind.identity is not None:
        names |= {alt[-1] for alt in kind.identity.alternatives}
    if kind.episode_link is not None:
        names |= {kind.episode_link.key, kind.episode_link.person}
    names |= {f.name for f in kind.fields.values() if f.personal}
    return frozenset(n for n in names if n in kind.fields and not kind.fields[n].derived)


def key_parts(key: str) -> set[str]:
    """What to search for a key as `explain` accepts it (`fasilitas#id_lokal`: the local id)."""
    part = key.rsplit("#", 1)[-1].strip()
    return {part} if part else set()


class _File:
    """A CSV file mapped into memory (nothing copied, whatever its size)."""

    def __init__(self, path: Path):
        with path.open("rb") as fh:
            try:
                self.raw: mmap.mmap | bytes = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file cannot be mapped
                self.raw = b""

    def release(self) -> None:
        """Let go of the pages read so far (the next file's search does not add to them): the
        memory of a city's registers stays that of one file."""
        if isinstance(self.raw, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
            self.raw.madvise(mmap.MADV_DONTNEED)

    def close(self) -> None:
        if isinstance(self.raw, mmap.mmap):
            self.raw.close()


@dataclass
class _Lines:
    """A CSV file searched line by line: where its rows start, and the lines kept."""

    raw: mmap.mmap | bytes
    header_line: int
    header: list[str]
    delimiter: str
    body: int  # offset of the first line after the header
    kept: dict[int, int]  # start -> end offset of each kept line
    numbers: dict[int, int] = dataclasses.field(default_factory=dict)  # start -> line, when known


_LONE_CR = re.compile(rb"\r(?!\n)")


def _line_ends(raw: mmap.mmap | bytes, start: int, end: int) -> int:
    """Line endings in raw[start:end] (CRLF once, a lone CR or LF each), a chunk copied at a
    time (a memory map has no count): every LF, and the CRs not followed by an LF."""
    total, step = 0, 1 << 24
    for at in range(start, end, step):
        stop = min(at + step, end)
        chunk = raw[at:stop]
        total += chunk.count(b"\n")
        if b"\r" in chunk:
            total += len(_LONE_CR.findall(chunk))
            if chunk.endswith(b"\r") and stop < end and raw[stop : stop + 1] == b"\n":
                total -= 1  # a CRLF across two chunks: its LF is counted in the next
    return total


def _line_numbers(raw: mmap.mmap | bytes, starts: list[int]) -> list[int]:
    """1-based physical line numbers (CRLF, LF and a lone CR end a line, as the reader says)
    of sorted byte offsets, counting once over the file."""
    out, line, pos = [], 1, 0
    for start in starts:
        line += _line_ends(raw, pos, start)
        out.append(line)
        pos = start
    return out


def _line_bounds(raw: mmap.mmap | bytes, at: int) -> tuple[int, int]:
    start = max(raw.rfind(b"\n", 0, at), raw.rfind(b"\r", 0, at)) + 1
    ends = [e for e in (raw.find(b"\n", at), raw.find(b"\r", at)) if e >= 0]
    return start, min(ends) if ends else len(raw)


def _header(raw: mmap.mmap | bytes, header_row: int, size: int) -> tuple[int, list[str], str] | None:
    """The header row (its line, cells and delimiter) within the first `size` bytes, found as
    the reader finds it: the first non-blank row at or after `header_row`."""
    head = raw[:size].decode("utf-8-sig", errors="replace")
    lines = [ln.rstrip("\r\n") for ln in split_lines(head)]
    if len(lines) < header_row:
        return None
    delimiter = _delimiter(lines[header_row - 1])
    for n in range(header_row, len(lines)):  # the last line of the head may be cut
        cells = next(csv.reader([lines[n - 1]], delimiter=delimiter), [])
        if any(c.strip() for c in cells):
            return n, [h.strip().lstrip("\ufeff") for h in cells], delimiter
    return None


def _lines(raw: mmap.mmap | bytes, header_row: int) -> _Lines | None:
    """The file ready to be searched by bytes, or None when only the reader's parse can say
    where its rows are (quotes, NUL bytes, UTF-16, no header near the top)."""
    if raw.find(b'"') >= 0 or raw.find(b"\x00") >= 0 or raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None
    found = _header(raw, header_row, 1 << 16) or _header(raw, header_row, 1 << 22)
    if found is None:
        return None
    line, header, delimiter = found
    ends = [m.end() for _n, m in zip(range(line), _LINE_END.finditer(raw[: 1 << 22]), strict=False)]
    body = ends[-1] if len(ends) == line else len(raw)  # the header may be the last line
    return _Lines(raw, line, header, delimiter, body, {})


def _text(line: bytes) -> str:
    """A line as the reader decodes it: UTF-8, or Windows-1252 where UTF-8 fails."""
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("cp1252", errors="replace")


class _Needle:
    """One key's bytes and how to find them in one file.

    `find` answers as `raw.find(key, start)`. A substring search walks every byte of a file of
    digits; when the key holds a byte that is rare in the file (a letter among digits), looking
    for that byte alone (memchr: several times faster) and comparing the key around each one is
    quicker. Which byte is rare is judged on the file's first 64 KiB; should the guess be wrong
    (too many bytes found that are not the key), the needle falls back to the plain search."""

    def __init__(self, key: str, raw: mmap.mmap | bytes):
        self.key = key.encode("utf-8")
        self.anchor: bytes | None = None
        self.offset = 0
        self.misses = 0
        if len(self.key) > 1:
            sample = raw[:_SAMPLE]
            at = {b: i for i, b in reversed(list(enumerate(self.key)))}  # each byte once
            count, byte = min((sample.count(bytes([b])), b) for b in at)
            if count * _RARE < max(len(sample), _RARE):
                self.anchor, self.offset = bytes([byte]), at[byte]

    def find(self, raw: mmap.mmap | bytes, start: int) -> int:
        if self.anchor is None:
            return raw.find(self.key, start)
        size, pos = len(self.key), start
        while True:
            at = raw.find(self.anchor, pos + self.offset)
            if at < 0:
                return -1
            candidate = at - self.offset
            if raw[candidate : candidate + size] == self.key:
                return candidate
            pos = candidate + 1
            self.misses += 1
            if self.misses > _MISSES:
                self.anchor = None
                return raw.find(self.key, pos)


def _search(lines: _Lines, needles: Iterable[_Needle], first: dict[bytes, int] | None = None) -> None:
    """Keep every line after the header that contains one of the keys (`first`: where each
    was found first, so that the scan goes on from there rather than starting again)."""
    raw = lines.raw
    for needle in needles:
        at = (first or {}).get(needle.key, -1)
        if at < lines.body:
            at = needle.find(raw, lines.body)
        while at >= 0:
            start, end = _line_bounds(raw, at)
            lines.kept[start] = end
            at = needle.find(raw, end)


def _table(path: Path, name: str, lines: _Lines, limits: Limits, numbered: bool = True) -> RawTable:
    """The kept lines as the reader's raw table, each under its own line number (counted once,
    at the end: the rounds of the search need only the cells)."""
    table = RawTable(name, path.stem, path, None, lines.header, [], lines.header_line)
    starts = sorted(lines.kept)
    if numbered and all(s in lines.numbers for s in starts):  # found through the index
        numbers = [lines.numbers[s] for s in starts]
    else:
        numbers = _line_numbers(lines.raw, starts) if numbered else [0] * len(starts)
    for start, number in zip(starts, numbers, strict=True):
        try:
            text = _text(lines.raw[start : lines.kept[start]])
            row = next(csv.reader([text], delimiter=lines.delimiter, strict=True), [])
        except csv.Error:
            row = [BROKEN]
        if len(row) > limits.sheet_columns:
            row = [BROKEN]
        table.rows.append((number, row))
    return _finish(table)


def _values(table: RawTable, fields: frozenset[str], columns: tuple[str, ...]) -> set[str]:
    at = [i for i, c in enumerate(columns) if c in fields]
    out: set[str] = set()
    for _line, row in table.rows:
        if len(row) == len(columns):
            out |= {row[i].strip() for i in at if row[i].strip()}
    return out


class _Parsed:
    """A table parsed by the reader in full (quotes, XLSX, JSON Lines, Parquet): its rows are
    kept by the same test on their cells, after the parse and before any validation."""

    def __init__(self, table: RawTable):
        self.table = table
        self.kept: set[int] = set()

    def search(self, keys: set[str]) -> None:
        for i, (_line, row) in enumerate(self.table.rows):
            if i not in self.kept and any(k in cell for cell in row for k in keys):
                self.kept.add(i)

    def result(self) -> RawTable:
        rows = [r for i, r in enumerate(self.table.rows) if i in self.kept]
        return dataclasses.replace(self.table, rows=rows, problems=list(self.table.problems))


class SliceTable:
    """One file of the data folder, as far as it concerns the subject.

    A CSV file of a kind with identifiers is mapped and searched by bytes; only when a key is
    found in it is it looked at more closely: searched line by line when it is plain, else
    parsed by the reader (`read`) and filtered on its cells. Other files are parsed, and their
    tables (a workbook's sheets) of kinds with identifiers filtered, the others taken whole.
    A CSV file where no key occurs keeps no row (no key in its bytes, none in its cells)."""

    def __init__(
        self, path: Path, name: str, header_row: int, read: Callable, indexed: FileEntry | None = None
    ):
        self.path, self.name = path, name
        self._header_row, self._read = header_row, read
        self.indexed = indexed  # the file's entry in the folder's index, while it is unchanged
        self._file: _File | None = None
        self.rows: dict[int, list[str]] | None = None  # an indexed Parquet file's kept rows
        self.index: Index | None = None  # where an indexed Parquet file's rows are fetched
        self.lines: _Lines | None = None
        self.items: list[_Parsed | RawTable] | None = None  # parsed: filtered, or whole

    def parse(self, searchable: Callable[[RawTable], bool]) -> None:
        self.items = [_Parsed(t) if searchable(t) else t for t in self._read(self.path, self.name)]

    def search(
        self, new: set[str], keys: set[str], limits: Limits, hits: list[tuple[int, int]] | None = None
    ) -> list[RawTable]:
        """Keep the rows holding one of the `new` keys (`keys`: all so far); the tables as far
        as they are kept. `hits`: the (line, offset) the index gives for `new`, when indexed."""
        if self.indexed is not None and self.indexed.format == "parquet":
            return self._look_up_rows(new, hits or [])
        if self.indexed is not None:
            return self._look_up(new, hits or [], limits)
        first: dict[bytes, int] | None = None
        if self.items is None and self.lines is None:
            if self._file is None:
                self._file = _File(self.path)
            raw = self._file.raw
            needles = [_Needle(k, raw) for k in sorted(new)]
            # each key once over the file; where it is found first, its lines are collected from
            first = {n.key: at for n in needles if (at := n.find(raw, 0)) >= 0}
            self._file.release()
            if not first:
                return []
            self.lines = _lines(raw, self._header_row)
            if self.lines is None:  # quotes or another oddity: the reader's parse decides
                self.parse(lambda _t: True)
                new = keys
        if self.lines is not None:
            if first is None:
                needles = [_Needle(k, self.lines.raw) for k in sorted(new)]
            else:  # the keys not found in the file are not searched again
                needles = [n for n in needles if n.key in first]
            _search(self.lines, needles, first)
            if self._file is not None:
                self._file.release()
            return [_table(self.path, self.name, self.lines, limits, numbered=False)]
        out = []
        for item in self.items or []:
            if isinstance(item, _Parsed):
                item.search(new)
                out.append(item.result())
        return out

    def _look_up(self, new: set[str], hits: list[tuple[int, int]], limits: Limits) -> list[RawTable]:
        """The lines the index names, each kept when one of the keys is in its bytes (as the
        byte search would find it there; a hash twin is dropped), under its own line number."""
        e = self.indexed
        assert e is not None
        if not hits and self.lines is None:
            return []
        if self.lines is None:
            self._file = _File(self.path)
            self.lines = _Lines(self._file.raw, e.header_line, list(e.header), e.delimiter, e.body, {})
        raw = self.lines.raw
        wanted = [k.encode("utf-8") for k in new]
        for number, start in hits:
            if start in self.lines.kept or start < e.body:
                continue
            # an indexed file has a CR only before an LF: the line ends at the next LF, its CR
            # dropped (looking for the next CR would read to the end of an LF-only file)
            end = raw.find(b"\n", start)
            end = len(raw) if end < 0 else end - (raw[end - 1 : end] == b"\r")
            line = raw[start:end]
            if any(k in line for k in wanted):
                self.lines.kept[start] = end
                self.lines.numbers[start] = number
        return [_table(self.path, self.name, self.lines, limits, numbered=False)]

    def _look_up_rows(self, new: set[str], hits: list[tuple[int, int]]) -> list[RawTable]:
        """The Parquet rows the index names, fetched by their number through DuckDB and made
        text as the reader makes it; each kept when a key is in one of its cells, as `_Parsed`
        keeps the rows of a parsed file."""
        from .tables import _parquet_cell

        e = self.indexed
        assert e is not None
        if self.rows is None:
            self.rows = {}
        wanted = sorted({off for _n, off in hits if off + 2 not in self.rows})
        if wanted and self.index is not None:
            for *values, number in self.index.parquet_rows(self.path, wanted):
                cells = [_parquet_cell(v) for v in values]
                if any(k in cell for cell in cells for k in new):
                    self.rows[number + 2] = cells
        return [self._rows_table()] if self.rows else []

    def _rows_table(self) -> RawTable:
        e, kept = self.indexed, self.rows or {}
        assert e is not None
        rows = [(line, kept[line]) for line in sorted(kept)]
        return _finish(
            RawTable(self.name, self.path.stem, self.path, None, list(e.header), rows, e.header_line)
        )

    def result(self, limits: Limits) -> list[RawTable]:
        if self.indexed is not None and self.indexed.format == "parquet":
            return [self._rows_table()]
        if self.lines is not None:
            return [_table(self.path, self.name, self.lines, limits)]
        if self.indexed is not None:  # indexed, no key in it: its header, no row
            e = self.indexed
            return [RawTable(self.name, self.path.stem, self.path, None, list(e.header), [], e.header_line)]
        if self.items is not None:
            return [i.result() if isinstance(i, _Parsed) else i for i in self.items]
        # no key anywhere in the file: its header, no row
        found = _header(self._file.raw, self._header_row, 1 << 16) if self._file else None
        header, line = (found[1], found[0]) if found else ([], 1)
        return [RawTable(self.name, self.path.stem, self.path, None, header, [], line)]

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def plan(
    files: list[tuple[Path, str]],
    mapping: Mapping,
    contract: Contract,
    read: Callable[[Path, str], list[RawTable]],
    index: Index | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[SliceTable]:
    """How each file is searched: CSV files of kinds with identifiers through the folder's
    index while they are unchanged, else by bytes; other files after the reader's parse
    (`read`), tables of kinds without identifiers whole."""
    out: list[SliceTable] = []

    def searchable(table: RawTable) -> bool:
        kind = _kind_of(table, mapping, contract)
        return kind is not None and bool(id_fields(kind))

    for path, name in files:
        header_row = mapping.header_row(path.name)
        kind = contract.kind(mapping.kind_name(path.name, None, path.stem))
        suffix = path.suffix.lower()
        identified = kind is not None and bool(id_fields(kind))
        entry = None
        if index is not None and identified and suffix in (".csv", ".parquet"):
            entry = index.entry(path, header_row, mapping, contract, limits)
        if entry is None and (suffix != ".csv" or not identified):
            t = SliceTable(path, name, header_row, read)
            t.parse(searchable)
        else:
            t = SliceTable(path, name, header_row, read, entry)
            t.index = index
        out.append(t)
    return out


def mapped_columns(file_name: str, sheet: str | None, header: list[str], mapping: Mapping) -> tuple[str, ...]:
    """The field each header cell names under the mapping (the header itself when unmapped)."""
    table_map = mapping.for_table(file_name, sheet)
    return tuple((table_map.columns.get(h, h) if table_map else h) for h in header)


def _columns(table: RawTable, mapping: Mapping) -> tuple[str, ...]:
    return mapped_columns(table.file.name, table.sheet, table.header, mapping)


def _kind_of(table: RawTable, mapping: Mapping, contract: Contract) -> RecordKind | None:
    return contract.kind(mapping.kind_name(table.file.name, table.sheet, table.stem))


def slice_tables(
    tables: list[SliceTable],
    key: str,
    mapping: Mapping,
    contract: Contract,
    limits: Limits = DEFAULT_LIMITS,
    index: Index | None = None,
) -> list[RawTable]:
    """Every table as far as it concerns the subject, once the identifiers stop growing.

    Raises `SliceTooWide` when they grow past MAX_KEYS (the caller then reads in full)."""
    # asked only when one of the files is indexed and unchanged
    lookup_in = index if any(t.indexed is not None for t in tables) else None
    keys: set[str] = set()
    new = key_parts(key)
    try:
        for _round in range(MAX_ROUNDS):
            if not new:
                break
            keys |= new
            if len(keys) > MAX_KEYS:
                raise SliceTooWide(len(keys))
            found: set[str] = set()
            hits = lookup_in.lookup(new) if lookup_in is not None else {}
            for t in tables:
                at = hits.get(t.indexed.number, []) if t.indexed is not None else None
                for kept in t.search(new, keys, limits, at):
                    kind = _kind_of(kept, mapping, contract)
                    if kind is not None:
                        found |= _values(kept, id_fields(kind), _columns(kept, mapping))
            new = found - keys
        else:
            if new:
                raise SliceTooWide(len(keys | new))
        return [table for t in tables for table in t.result(limits)]
    finally:
        for t in tables:
            t.close()
        if index is not None:
            index.close()
