"""The data model every stage shares: records and where they came from, the fate of every row
read, the problems found in the input, and the reasons given for them.

The readers produce these; the engine, the report and the tooling consume them. Nothing here
reads files or knows a language: a `Reason` is a code with arguments, and the report layer's
phrase catalogue turns it into Indonesian or English.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from operator import attrgetter, getitem
from typing import Any, ClassVar, Protocol


class Contract(Protocol):
    """What the model needs of the data contract (`registers.contract.Contract` is one): the
    record kinds by name. The model imports nothing of the stages above it."""

    @property
    def kinds(self) -> dict[str, Any]: ...


class Fate(StrEnum):
    """What became of one data row as read."""

    RECORD = "record"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    EMPTY = "empty"  # separators only (`,,,,`): read and accounted for, not a record


@dataclass(frozen=True, slots=True, order=True)
class RecordRef:
    """Where a record came from: the file (as shown to the user) and its 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True, eq=False)
class Record:
    """One row of a register after validation: typed values (None = not recorded)."""

    kind: str
    values: dict[str, Any]
    ref: RecordRef

    def get(self, name: str) -> Any:
        return self.values.get(name)

    # A record is its own entry in `Register.entries` (fate RECORD, no reason): a city's
    # registers hold millions of records, and a `RowEntry` beside each would add a million
    # objects per million rows for nothing it does not already say. `fate` and `reason` are
    # class attributes (read in the loops over every entry without a call); a loop that needs
    # the record of many entries takes `e if type(e) is not RowEntry else e.record`.
    fate: ClassVar[Fate] = Fate.RECORD
    reason: ClassVar[None] = None

    @property
    def record(self) -> Record:
        return self


class Layout:
    """The field names of a table's stored records, in the order of their values, and each
    name's position (the last, where a name is given twice: the identity joined from the
    row overrides a column of the same name, as in a record's dict)."""

    __slots__ = ("index", "names")

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.index = {name: i for i, name in enumerate(names)}


# a table's rows fetched alone (`Columns.prefetch`) while they are at most this share of it
SPARSE_SHARE = 8


class Columns:
    """The values of one table's stored records, a column per name of its `Layout`, each made
    when first read: `fetch(columns, i)` gives the i-th name's value of every row, in row
    order (the reader asks its database; `rows` grows while the table is read; `columns` is
    passed, not held by `fetch`, so that no cycle outlives the register while the cyclic
    collector rests). A city's run reads a few columns of most tables (a date to sort by, a
    key to count), so most values are never made in Python."""

    __slots__ = ("__weakref__", "_cols", "_fetch", "_fetch_rows", "_some", "layout", "rows")

    def __init__(
        self,
        layout: Layout,
        fetch: Callable[[Columns, int], list[Any]] | None = None,
        cols: list[list[Any] | None] | None = None,
        rows: int = 0,
        fetch_rows: Callable[[Columns, dict[int, int]], dict[int, tuple[Any, ...]] | None] | None = None,
    ) -> None:
        self.layout = layout
        self._fetch = fetch
        self._cols: list[list[Any] | None] = cols if cols is not None else [None] * len(layout.names)
        self.rows = rows
        # a few rows' values, fetched alone (`prefetch`): by row
        self._fetch_rows = fetch_rows
        self._some: dict[int, tuple[Any, ...]] | None = None

    def prefetch(self, lines: dict[int, int]) -> None:
        """Make the values of a few rows (row -> its line) without making whole columns: the
        checks across records read every value of a few thousand records of files of a
        million rows. Rows already made, or too many to be few, are left to the columns."""
        if self._fetch_rows is None or all(c is not None for c in self._cols):
            return
        some = self._some if self._some is not None else {}
        wanted = {at: line for at, line in lines.items() if at not in some}
        if not wanted or len(some) + len(wanted) > max(self.rows // SPARSE_SHARE, 1):
            return
        got = self._fetch_rows(self, wanted)
        if got is not None:  # None: a row not found, left to the columns
            some.update(got)
            self._some = some

    @classmethod
    def of_rows(cls, layout: Layout, rows: list[tuple[Any, ...]]) -> Columns:
        """Columns already made, from rows in the layout's order."""
        cols: list[list[Any] | None] = [list(c) for c in zip(*rows, strict=True)]
        return cls(layout, cols=cols if rows else [[] for _ in layout.names], rows=len(rows))

    def column(self, i: int) -> list[Any]:
        col = self._cols[i]
        if col is None:
            assert self._fetch is not None, "a column neither made nor fetchable"
            col = self._fetch(self, i)
            # a column of another length would give records other rows' values
            assert len(col) == self.rows, (
                f"column {self.layout.names[i]!r}: {len(col)} values, {self.rows} rows"
            )
            self._cols[i] = col
        return col

    def field(self, name: str) -> list[Any]:
        """Every row's value of `name` (None where the table has no such field)."""
        i = self.layout.index.get(name)
        return [None] * self.rows if i is None else self.column(i)

    def row(self, at: int) -> tuple[Any, ...]:
        some = self._some
        if some is not None:
            found = some.get(at)
            if found is not None:
                return found
        return tuple(self.column(i)[at] for i in range(len(self.layout.names)))


class StoredRecord(Record):
    """A record whose typed values are also a row of its register's `store` (the row of its
    file and line, as the reader kept it): the compiled path loads it from there instead of
    converting its values again. A record changed after reading (merged, re-linked) is made as
    a plain `Record`, so it is loaded from its own values.

    Its values are its row (`at`) of its table's `Columns`, not a dict: a city has twelve
    million records, and a dict of 10–25 fields each took most of a city's memory, a tuple
    each most of what was left. `get` reads the column (made when a record of the table first
    asks for it); `values` makes the dict when asked (the checks across records, a report),
    equal to the one a plain record holds."""

    __slots__ = ("_at", "_columns")

    def __init__(self, kind: str, columns: Columns, at: int, ref: RecordRef) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "kind", kind)
        setattr_(self, "_columns", columns)
        setattr_(self, "_at", at)
        setattr_(self, "ref", ref)

    @classmethod
    def of_row(cls, kind: str, row: tuple[Any, ...], ref: RecordRef, layout: Layout) -> StoredRecord:
        """A stored record of its own (a copy, a test): its values a one-row table."""
        return cls(kind, Columns.of_rows(layout, [row]), 0, ref)

    @property  # type: ignore[override]
    def values(self) -> dict[str, Any]:  # a property over the slot of `Record`
        columns = self._columns
        return dict(zip(columns.layout.names, columns.row(self._at), strict=True))

    def get(self, name: str) -> Any:
        columns = self._columns
        i = columns.layout.index.get(name)
        return None if i is None else columns.column(i)[self._at]

    def __reduce__(self) -> tuple[Any, ...]:  # copy and pickle: the record alone, its values made
        return (StoredRecord.of_row, (self.kind, self._columns.row(self._at), self.ref, self._columns.layout))

    def __repr__(self) -> str:
        return f"StoredRecord(kind={self.kind!r}, values={self.values!r}, ref={self.ref!r})"


_COLUMNS, _AT = attrgetter("_columns"), attrgetter("_at")


def prefetch(recs: Iterable[Record]) -> None:
    """The values of these records made a few rows at a time where they are stored records
    of large tables (`Columns.prefetch`), before a check reads them all."""
    wanted: dict[Columns, dict[int, int]] = {}
    for rec in recs:
        if type(rec) is StoredRecord:
            wanted.setdefault(rec._columns, {})[rec._at] = rec.ref.line
    for columns, lines in wanted.items():
        columns.prefetch(lines)


def field_column(recs: Sequence[Record], name: str) -> list[Any]:
    """`[r.get(name) for r in recs]`, read a column at a time: the stored records through
    their tables' columns and C-level maps (a city's kind has millions of records, and a call
    of `get` per record cost seconds), any other record by `get`."""
    if not recs:
        return []
    column_of = getattr(recs, "column_of", None)  # `registers.runs.KindRecords`: no record made
    if column_of is not None:
        return column_of(name)
    if set(map(type, recs)) != {StoredRecord}:
        return [r.get(name) for r in recs]
    cols = {columns: columns.field(name) for columns in set(map(_COLUMNS, recs))}
    return list(map(getitem, map(cols.__getitem__, map(_COLUMNS, recs)), map(_AT, recs)))


# `TypedRows.ranking` of a kind whose kept rows are in its order where they lie
IN_PLACE = "rowid"


class TypedRows(Protocol):
    """What the engine needs of the typed rows a reader kept (`registers.duckcsv.Database`):
    a cursor on their database, each kind's table and columns, each file's number; a kind's
    rows are released once its table is loaded."""

    files: dict[str, int]

    def cursor(self, reopen: bool = True) -> Any: ...

    def table(self, kind: str) -> tuple[str, frozenset[str]] | None: ...

    def release(self, kind: str) -> None: ...

    def ranking(self, kind: str) -> str | None:
        """The table ranking a kind's rows (`f`, `line`, `_rid`), or `IN_PLACE`: the rows are
        in the kind's order where they lie, a row's rank its row number."""
        ...

    def qualified(self, table: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Reason:
    """Why something happened, as data: a stable code and its arguments.

    Arguments are plain values (text, numbers, dates, record references, nested reasons or
    tuples of them); the words come from `report.catalogue`, in either language.
    """

    code: str
    args: tuple[tuple[str, Any], ...] = ()

    @staticmethod
    def of(code: str, **args: Any) -> Reason:
        return Reason(code, tuple(sorted(args.items())))

    def arg(self, name: str, default: Any = None) -> Any:
        for key, value in self.args:
            if key == name:
                return value
        return default

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.args)


def bilingual(message: str, message_en: str) -> Reason:
    """A reason whose words were written where it was found (both languages given).

    For messages not yet in the catalogue (the table readers' file-level problems): the
    language is still chosen by the renderer, never mixed.
    """
    return Reason.of("text", id=message, en=message_en)


class Severity(StrEnum):
    ERROR = "error"  # the row is rejected
    WARNING = "warning"  # the row is kept; something about it is doubtful


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why a row (or a whole file) was not used, or what is doubtful about it."""

    file: str
    line: int
    column: str | None
    value: str | None
    reason: Reason
    severity: Severity = Severity.ERROR

    @property
    def ref(self) -> RecordRef:
        return RecordRef(self.file, self.line)


@dataclass(frozen=True, slots=True)
class RowEntry:
    """The fate of one data row as read, with its reason when it is not a record."""

    ref: RecordRef
    kind: str | None
    fate: Fate
    reason: Reason | None = None
    record: Record | None = None


# the fate of one data row as read: a record (its own entry) or a `RowEntry`
Entry = RowEntry | Record


@dataclass(frozen=True, slots=True)
class FileCounts:
    """Rows of one file (or sheet), derived from the fates of its rows."""

    file: str
    kind: str | None
    rows_read: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0


_FILE_AND_FATE = attrgetter("ref.file", "fate")


@dataclass
class Register:
    """All records read from one data folder, indexed for linking, with every row's entry.

    `sources` lists every table read (file or sheet) with its record kind, in reading order;
    the counts per file are derived from the entries, never kept by hand.
    """

    # each kind's records in order; a `registers.runs.KindRecords` where they are kept rows
    # (made when read)
    records: dict[str, Sequence[Record]]
    problems: list[RowProblem]
    sources: list[tuple[str, str | None]]
    contract: Contract
    # every row's entry, in reading order (a `registers.runs.Entries` from `read_folder`)
    entries: Sequence[Entry] = field(default_factory=list)
    # the file behind each shown name (names are relative to the data folder's parent when the
    # folder is outside the working directory, so that a shared report holds no local paths)
    paths: dict[str, Any] = field(default_factory=dict)
    # the SHA-256 of the bytes each file was read from, where its reader hashed them as it
    # read (`registers/digest.py`); another file is hashed when a report names it
    digests: dict[str, str] = field(default_factory=dict)
    # the files left unread because no chosen standard reads their kind (`check --standard`),
    # each with that kind: named in the ledger, never counted as rows read
    not_read: list[tuple[str, str]] = field(default_factory=list)
    _index: dict[tuple[str, str], dict[Any, list[Record]]] = field(default_factory=dict, repr=False)
    # the typed rows of the files read through DuckDB (their `StoredRecord`s), kept for the
    # compiled path; None when no reader kept any
    store: TypedRows | None = field(default=None, repr=False)
    # the kinds whose records DuckDB put in order (`registers/kindorder.py`), with how many:
    # their tables are loaded from the ranking the store keeps (`TypedRows.ranking`)
    ranked: dict[str, int] = field(default_factory=dict, repr=False)
    # the entries the records were taken from, one record per entry of fate RECORD with the
    # entry's reference (`assemble`); a register given other entries is walked by the ledger
    assembled_from: list[Entry] | None = field(default=None, repr=False, compare=False)
    # the rows per file and fate, and the entries they were counted from (`fate_counts`)
    _counted: tuple[tuple[int, int], dict[str, Counter[Fate]]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def of_kind(self, kind: str) -> Sequence[Record]:
        return self.records.get(kind, [])

    def linked(self, kind: str, by: str, value: Any) -> list[Record]:
        """Records of `kind` whose field `by` equals `value`, in date order."""
        return self.link_index(kind, by).get(value, []) if value is not None else []

    def link_index(self, kind: str, by: str) -> dict[Any, list[Record]]:
        """Records of `kind` by the value of their field `by` (never None), each list in date
        order; built once. For callers that link many subjects through one link. Read only."""
        key = (kind, by)
        index = self._index.get(key)
        if index is None:
            grouped: defaultdict[Any, list[Record]] = defaultdict(list)
            for rec in self.of_kind(kind):
                v = rec.get(by)
                if v is not None:
                    grouped[v].append(rec)
            index = self._index[key] = dict(grouped)
        return index

    def fate_counts(self) -> dict[str, Counter[Fate]]:
        """Rows per file and fate (read only), counted once: a city's twelve million entries are walked
        once, not for every count a report asks for (counted again if `entries` is replaced
        or grows)."""
        key = (id(self.entries), len(self.entries))
        if self._counted is None or self._counted[0] != key:
            counts: dict[str, Counter[Fate]] = defaultdict(Counter)
            # each entry's (file, fate) counted by C-level maps (by runs of kept rows where the
            # entries are `registers.runs.Entries`: no record made), then per file
            file_fates = getattr(self.entries, "file_fates", None)
            pairs = file_fates() if file_fates is not None else Counter(map(_FILE_AND_FATE, self.entries))
            for (file, fate), n in pairs.items():
                counts[file][fate] += n
            self._counted = (key, dict(counts))
        return self._counted[1]

    @property
    def files(self) -> list[FileCounts]:
        counts = self.fate_counts()
        out = []
        for name, kind in self.sources:
            c = counts.get(name, Counter())
            out.append(FileCounts(name, kind, c.total(), c[Fate.REJECTED], c[Fate.DUPLICATE]))
        return out

    @property
    def rows_read(self) -> int:
        return len(self.entries)

    @property
    def rows_rejected(self) -> int:
        return sum(c[Fate.REJECTED] for c in self.fate_counts().values())

    @property
    def rows_duplicate(self) -> int:
        return sum(c[Fate.DUPLICATE] for c in self.fate_counts().values())
