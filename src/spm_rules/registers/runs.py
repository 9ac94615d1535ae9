"""A register's entries and each kind's records as sequences whose records are made when read.

At city scale a register holds twelve million records; on the compiled `check` path none of
them is read in Python (the queries read the rows DuckDB kept), yet making each as a
`StoredRecord` with its `RecordRef` took about 14 s and 2 GiB. Here the plain rows of a file
the DuckDB reader kept are a `KeptRun`: the file's `Columns`, where the run starts among them,
and its rows' lines (a `range`: the lines between two odd rows). A record is made when it is
read, once: the run keeps what it made, so that the entries and the kind's records give the
same object (the ledger and the checks across records compare records by identity).

`Entries` is the register's entries in reading order: runs and lists of other entries (the
rows read alone, the other formats' entries). Its length, each entry's file, line and kind,
and the rows per file and fate come from the runs without a record made. An entry a check
across records replaces (a duplicate set aside, a merged record) is kept beside the runs, by
position (`over`). Anything that walks every entry (the interpreter, `--ledger`, a check
that walks) makes the whole list once, and from then on the sequence is that list.

`KindRecords` is one kind's records: pieces of runs and other records in entry order, then, once
ranked, in the interpreter's order by a permutation (`kindorder`). A record is made when read;
iterating makes them all once.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from itertools import accumulate, compress, groupby, repeat
from operator import attrgetter, is_, is_not
from typing import Any, TypeVar, overload

from ..model import Columns, Entry, Fate, Record, RecordRef, RowEntry, StoredRecord, field_column


class KeptRun:
    """Consecutive plain rows of one file whose values DuckDB kept (`Columns`): row `j` of the
    run is row `start + j` of the columns, at line `lines[j]` (a `range` where the run's lines
    follow one another, as between two odd rows of a file read whole). Its records are made
    when read, each once."""

    __slots__ = ("_made", "columns", "file", "kind", "lines", "start")

    def __init__(self, kind: str, file: str, columns: Columns, start: int, lines: array | range) -> None:
        self.kind, self.file, self.columns, self.start, self.lines = kind, file, columns, start, lines
        self._made: dict[int, StoredRecord] | list[StoredRecord] = {}

    def __len__(self) -> int:
        return len(self.lines)

    def record(self, j: int) -> StoredRecord:
        made = self._made
        if isinstance(made, list):
            return made[j]
        rec = made.get(j)
        if rec is None:
            rec = made[j] = StoredRecord(
                self.kind, self.columns, self.start + j, RecordRef(self.file, self.lines[j])
            )
        return rec

    def records(self) -> list[StoredRecord]:
        """Every record of the run (made once, by C-level maps; those read before kept)."""
        made = self._made
        if isinstance(made, list):
            return made
        refs = map(RecordRef, repeat(self.file), self.lines)
        at = range(self.start, self.start + len(self.lines))
        out = list(map(StoredRecord, repeat(self.kind), repeat(self.columns), at, refs))
        for j, rec in made.items():
            out[j] = rec
        self._made = out
        return out


Part = KeptRun | list[Entry]
T = TypeVar("T")


def _record(e: Entry) -> Record | None:
    """An entry's record where its fate is RECORD (a record is its own entry)."""
    if type(e) is not RowEntry:
        return e  # type: ignore[return-value]
    return e.record if e.fate == Fate.RECORD else None


class _MadeWhenWalked(Sequence[T]):
    """What walks a sequence of runs (see the module) makes its whole list once (`_make`) and
    walks that: iterating, searching, comparing with a list."""

    _whole: list[T] | None

    def _make(self) -> list[T]:
        raise NotImplementedError

    def _one(self, i: int) -> T:
        """Item `i` (0 ≤ i < len) where the whole list was not made."""
        raise NotImplementedError

    def _index(self, i: int) -> int:
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"{type(self).__name__} index out of range")
        return i

    @overload
    def __getitem__(self, i: int) -> T: ...

    @overload
    def __getitem__(self, i: slice) -> list[T]: ...

    def __getitem__(self, i: int | slice) -> T | list[T]:
        if self._whole is not None:
            return self._whole[i]
        if isinstance(i, slice):
            return [self[j] for j in range(len(self))[i]]
        return self._one(self._index(i))

    def __iter__(self) -> Iterator[T]:
        return iter(self._make())

    def __reversed__(self) -> Iterator[T]:
        return reversed(self._make())

    def __contains__(self, item: object) -> bool:
        return item in self._make()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _MadeWhenWalked) and type(other) is type(self):
            other = other._make()
        return isinstance(other, list) and self._make() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self)})"


class Entries(_MadeWhenWalked[Entry]):
    """A register's entries in reading order (see the module): runs of kept rows and lists of
    other entries, an entry replaced by a check kept by position; the whole list made when
    something walks it."""

    def __init__(self) -> None:
        self._parts: list[Part] = []
        self._ends: list[int] = []
        self._over: dict[int, Entry] = {}
        self._whole: list[Entry] | None = None
        self._files: dict[str, tuple[int, int]] | None = None  # each file's positions (`find`)

    def add(self, part: KeptRun | list[Entry]) -> None:
        if not len(part):
            return
        assert self._whole is None, "entries added after the whole list was made"
        self._parts.append(part)
        self._files = None
        self._ends.append((self._ends[-1] if self._ends else 0) + len(part))

    def extend_from(self, other: Entries | list[Entry]) -> None:
        if isinstance(other, Entries):
            if other._whole is not None or other._over:
                self.add(list(other))
            else:
                for part in other._parts:
                    self.add(part)
        else:
            self.add(list(other))  # its own list: a check's replacement is written into it

    @property
    def parts(self) -> list[Part]:
        return self._parts

    @property
    def made(self) -> bool:
        """Whether the whole list was made (every record of every run)."""
        return self._whole is not None

    def __len__(self) -> int:
        if self._whole is not None:
            return len(self._whole)
        return self._ends[-1] if self._ends else 0

    def _find(self, i: int) -> tuple[Part, int]:
        k = bisect_right(self._ends, i)
        return self._parts[k], i - (self._ends[k - 1] if k else 0)

    def _one(self, i: int) -> Entry:
        e = self._over.get(i)
        if e is not None:
            return e
        part, j = self._find(i)
        return part.record(j) if isinstance(part, KeptRun) else part[j]

    def __setitem__(self, i: int | slice, e: Any) -> None:
        if isinstance(i, slice):
            self._make()
            assert self._whole is not None
            self._whole[i] = e
            return
        if self._whole is not None:
            self._whole[i] = e
            return
        i = self._index(i)
        part, j = self._find(i)
        if isinstance(part, KeptRun):
            if e is part.record(j):  # the run's own record (back) in its place
                self._over.pop(i, None)
            else:
                self._over[i] = e
        else:
            part[j] = e

    def take(self, positions: Iterable[int]) -> list[Entry]:
        """`[self[i] for i in positions]`, the part of each found by a bisection only where it
        is not the last one's (ascending positions walk the parts once)."""
        if self._whole is not None:
            return list(map(self._whole.__getitem__, positions))
        out: list[Entry] = []
        over, ends, parts, n = self._over, self._ends, self._parts, len(self)
        k, lo, hi = 0, 0, ends[0] if ends else 0
        for i in positions:
            if not 0 <= i < n:
                raise IndexError("entry index out of range")
            e = over.get(i)
            if e is None:
                if not lo <= i < hi:
                    k = bisect_right(ends, i)
                    lo, hi = (ends[k - 1] if k else 0), ends[k]
                part = parts[k]
                e = part.record(i - lo) if type(part) is KeptRun else part[i - lo]
            out.append(e)
        return out

    def line(self, i: int) -> int:
        """The line of entry `i`, without making its record."""
        if self._whole is not None:
            return self._whole[i].ref.line
        i = self._index(i)
        e = self._over.get(i)
        if e is not None:
            return e.ref.line
        part, j = self._find(i)
        return part.lines[j] if isinstance(part, KeptRun) else part[j].ref.line

    def find(self, ref: RecordRef) -> int | None:
        """The position of the entry read from `ref` (its file and line), no record made;
        None when there is none."""
        i = self.find_line(ref.file, ref.line)
        return i if i is not None and self[i].ref == ref else None

    def find_line(self, file: str, line: int) -> int | None:
        """The position of the entry of `file` at `line` (a file's rows are one stretch of
        parts in line order, and a position keeps its file and line whatever a check puts
        there): the part by a bisection over the parts' first lines, the row by its line's
        offset in a run's `range`. None when there is none."""
        files = self._files
        if files is None:
            files = self._files = {}
            for k, part in enumerate(self._parts):
                name = part.file if isinstance(part, KeptRun) else part[0].ref.file
                files[name] = (files[name][0] if name in files else k, k + 1)
        span = files.get(file)
        if span is None:
            return None
        k = bisect_right(_FirstLines(self._parts), line, *span) - 1
        if k < span[0]:
            return None
        part, start = self._parts[k], self._ends[k - 1] if k else 0
        if isinstance(part, KeptRun):
            lines = part.lines
            j = line - lines.start if isinstance(lines, range) else bisect_left(lines, line)
        else:
            j = bisect_left(part, line, key=_LINE)
        if not 0 <= j < len(part):
            return None
        return start + j if self.line(start + j) == line else None

    def _make(self) -> list[Entry]:
        if self._whole is None:
            whole: list[Entry] = []
            for part in self._parts:
                whole += part.records() if isinstance(part, KeptRun) else part
            for i, e in self._over.items():
                whole[i] = e
            self._whole = whole
            self._over = {}  # in the whole list now; the parts are kept (`by_kind`, `find_line`)
        return self._whole

    def field_values(self, fields: Mapping[str, Collection[str]]) -> Iterator[Any]:
        """The value of each of `fields[kind]` of every entry's record of that kind, whatever
        its fate: what `record.get` gives walking every entry, in no set order, a run's values
        read a column at a time (no record made)."""

        def of_records(entries: Iterable[Entry]) -> Iterator[Any]:
            for e in entries:
                rec = e.record
                if rec is not None:
                    yield from map(rec.get, fields.get(rec.kind, ()))

        if self._whole is not None:
            yield from of_records(self._whole)
            return
        over = sorted(self._over)
        for k, part in enumerate(self._parts):
            if not isinstance(part, KeptRun):
                yield from of_records(part)
                continue
            names = fields.get(part.kind, ())
            if not names:
                continue
            start = self._ends[k - 1] if k else 0
            # (an entry a check put in a run's place: its own record's values, below)
            skip = {i - start for i in over[bisect_left(over, start) : bisect_left(over, start + len(part))]}
            for name in names:
                values = part.columns.field(name)[part.start : part.start + len(part)]
                yield from values if not skip else (v for j, v in enumerate(values) if j not in skip)
        yield from of_records(self._over.values())

    def file_fates(self) -> Counter[tuple[str, Fate]]:
        """Each (file, fate) with its number of entries, a run counted without a record made."""
        if self._whole is not None:
            return Counter(map(_FILE_AND_FATE, self._whole))
        out: Counter[tuple[str, Fate]] = Counter()
        for part in self._parts:
            if isinstance(part, KeptRun):
                out[part.file, Fate.RECORD] += len(part)
            else:
                out.update((e.ref.file, e.fate) for e in part)
        for i, e in self._over.items():
            part, _j = self._find(i)
            assert isinstance(part, KeptRun)
            out[part.file, Fate.RECORD] -= 1
            out[e.ref.file, e.fate] += 1
        return +out

    def by_kind(self) -> dict[str, KindRecords | list[Record]]:
        """Each kind's records in entry order: a run's records as pieces of it (none made), any
        other entry's record where its fate is RECORD. Where the whole list was made (a check
        walked every entry), a run's rows whose entry is no longer its own record are found by
        identity, so that its kinds are still ranked from their kept rows."""
        whole = self._whole
        if whole is not None and len(whole) != (self._ends[-1] if self._ends else 0):
            return dict(records_by_kind(whole))  # (a dict of lists: of the wider value type)
        pieces: dict[str, list[Piece]] = {}

        def loose(rec: Record) -> None:
            got = pieces.setdefault(rec.kind, [])
            if got and isinstance(got[-1], list):
                got[-1].append(rec)
            else:
                got.append([rec])

        over = sorted(self._over)
        for k, part in enumerate(self._parts):
            start = self._ends[k - 1] if k else 0
            stop = self._ends[k]
            if not isinstance(part, KeptRun):
                for rec in filter(None, map(_record, part if whole is None else whole[start:stop])):
                    loose(rec)
                continue
            if whole is None:
                lo, hi = bisect_left(over, start), bisect_left(over, stop)
                replaced = [(i - start, self._over[i]) for i in over[lo:hi]]
            else:  # the rows whose entry is not the run's own record
                now = whole[start:stop]
                replaced = [(j, now[j]) for j in compress(range(len(now)), map(is_not, now, part.records()))]
            done = 0
            for j, e in replaced:
                if j > done:
                    pieces.setdefault(part.kind, []).append((part, done, j))
                done = j + 1
                rec = _record(e)
                if rec is not None:
                    loose(rec)
            if done < len(part):
                pieces.setdefault(part.kind, []).append((part, done, len(part)))
        return {kind: KindRecords(got) for kind, got in pieces.items()}


class _FirstLines:
    """The first line of each part, as a sequence (what `bisect` searches)."""

    __slots__ = ("_parts",)

    def __init__(self, parts: list[Part]) -> None:
        self._parts = parts

    def __len__(self) -> int:
        return len(self._parts)

    def __getitem__(self, k: int) -> int:
        part = self._parts[k]
        return part.lines[0] if isinstance(part, KeptRun) else part[0].ref.line


_LINE, _KIND = attrgetter("ref.line"), attrgetter("kind")
_FILE_AND_FATE = attrgetter("ref.file", "fate")


def records_by_kind(entries: Sequence[Entry]) -> dict[str, list[Record]]:
    """Each kind's records in entry order, from a list of entries: a record is its own entry,
    a `RowEntry` gives its record when its fate is RECORD. Chosen by C-level maps and taken in
    runs of one kind (a city's twelve million entries come in a few runs, about one per
    file)."""
    recs: list[Any] = list(entries)
    for i in compress(range(len(recs)), map(is_, map(type, recs), repeat(RowEntry))):
        e = recs[i]
        recs[i] = e.record if e.fate == Fate.RECORD else None
    records: dict[str, list[Record]] = defaultdict(list)
    for kind, run in groupby(filter(None, recs), key=_KIND):
        records[kind].extend(run)
    return dict(records)


Piece = tuple[KeptRun, int, int] | list[Record]


def _piece_len(piece: Piece) -> int:
    return piece[2] - piece[1] if isinstance(piece, tuple) else len(piece)


class KindRecords(_MadeWhenWalked[Record]):
    """One kind's records (see the module): pieces of runs (`(run, j0, j1)`: its rows j0 to
    j1) and lists of other records, in entry order; `order`, once ranked, gives position i's
    place in that order. Made whole when iterated."""

    def __init__(self, pieces: list[Piece]) -> None:
        self._pieces = pieces
        self._ends = list(accumulate(map(_piece_len, pieces)))
        self._order_of: Callable[[], Sequence[int]] | None = None  # the order, fetched when first asked
        self._fetched: Sequence[int] | None = None
        self._whole: list[Record] | None = None
        # per file's columns, its pieces' rows and places (`base_of`), made when first asked
        self._spans: dict[int, list[tuple[int, int, int, tuple[KeptRun, int, int]]]] | None = None

    @property
    def pieces(self) -> list[Piece]:
        return self._pieces

    @property
    def made(self) -> bool:
        return self._whole is not None

    def column_of(self, name: str) -> list[Any]:
        """Every record's value of `name`, in order (`model.field_column`): read from each
        run's `Columns` a slice at a time, no record made."""
        if self._whole is not None:
            return field_column(self._whole, name)
        base: list[Any] = []
        for piece in self._pieces:
            if isinstance(piece, tuple):
                run, j0, j1 = piece
                base += run.columns.field(name)[run.start + j0 : run.start + j1]
            else:
                base += [rec.get(name) for rec in piece]
        return base if self._order is None else list(map(base.__getitem__, self._order))

    def base_of(self, rec: Record) -> int | None:
        """The place of `rec` in entry order, where it is a record of one of the kind's pieces
        of runs (its position before `reorder`); None otherwise."""
        if type(rec) is not StoredRecord:
            return None
        spans = self._spans
        if spans is None:
            spans = self._spans = {}
            start = 0
            for piece in self._pieces:
                if isinstance(piece, tuple):
                    run, j0, j1 = piece
                    place = (run.start + j0, run.start + j1, start, piece)
                    spans.setdefault(id(run.columns), []).append(place)
                start += _piece_len(piece)
        at = rec._at  # the record's row of its columns
        for a0, a1, start, (run, j0, _j1) in spans.get(id(rec._columns), ()):
            if a0 <= at < a1:
                return start + at - a0 if run.record(j0 + at - a0) is rec else None
        return None

    def base_bits(self, bits: bytearray) -> bytearray:
        """`bits` (a byte per position, 1 where chosen) by place in entry order (`base_of`)."""
        if self._order is None:
            return bits
        out = bytearray(len(bits))
        deque(map(out.__setitem__, compress(self._order, bits), repeat(1)), maxlen=0)
        return out

    def reorder(self, order: Callable[[], Sequence[int]]) -> None:
        """Put the records in the order `order()` gives (position i is the `order()[i]`-th in
        entry order), asked when a record's place is first needed: a compiled run that never
        asks it fetches no position (a city's largest kinds have millions)."""
        assert self._order_of is None and self._whole is None
        self._order_of = order

    @property
    def _order(self) -> Sequence[int] | None:
        """The order given to `reorder`, fetched once; None when never reordered."""
        if self._fetched is None and self._order_of is not None:
            fetched = self._order_of()
            assert len(fetched) == len(self), "an order of other records"
            self._fetched = fetched
        return self._fetched

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def _base(self, b: int) -> Record:
        k = bisect_right(self._ends, b)
        piece, j = self._pieces[k], b - (self._ends[k - 1] if k else 0)
        if isinstance(piece, tuple):
            return piece[0].record(piece[1] + j)
        return piece[j]

    def _one(self, i: int) -> Record:
        return self._base(self._order[i] if self._order is not None else i)

    def _make(self) -> list[Record]:
        if self._whole is None:
            base: list[Record] = []
            for piece in self._pieces:
                base += piece[0].records()[piece[1] : piece[2]] if isinstance(piece, tuple) else piece
            self._whole = base if self._order is None else list(map(base.__getitem__, self._order))
        return self._whole

    def files_of(self, bits: bytearray) -> Counter[str] | None:
        """The files of the records chosen in `bits` (a byte per position, 1 where chosen),
        counted without a record made: the chosen bytes of each piece's stretch counted in C
        (put in entry order first, `base_bits`, where there are pieces to tell apart); None when
        some are other records (their files are then read one by one)."""
        if self._whole is not None or any(isinstance(piece, list) for piece in self._pieces):
            return None
        base = bits if len(self._pieces) == 1 else self.base_bits(bits)
        out: Counter[str] = Counter()
        start = 0
        for piece, end in zip(self._pieces, self._ends, strict=True):
            n = base.count(1, start, end)
            if n:
                out[piece[0].file] += n  # type: ignore[index]
            start = end
        return out


def files_of(recs: Sequence[Record], bits: bytearray) -> Counter[str]:
    """The files of the records of `recs` at the positions chosen in `bits` (a byte per
    position, 1 where chosen), counted: none made where they are pieces of runs."""
    if isinstance(recs, KindRecords):
        found = recs.files_of(bits)
        if found is not None:
            return found
    return Counter(rec.ref.file for rec in compress(recs, bits))
