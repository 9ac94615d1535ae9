"""Read registers into typed, validated, linked records, accounting for every row.

Pipeline: files -> raw tables (tables.py) -> the table's record kind (file name or column
mapping) -> rows validated into entries (rows.py) -> checks across records (crosscheck.py) ->
a `Register` (model.py). A CSV register of a known kind is read straight into entries by
DuckDB (duckcsv.py) when it is sure to give the same entries; any other file takes the path
above. Every data row read ends as exactly one entry: a record (its own entry), or a
`RowEntry` for a rejection (with every reason, naming file, line, column and value) or a
duplicate.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

from ..limits import DEFAULT_LIMITS, LimitExceeded, Limits
from ..messages import DataFolderMissing
from ..model import (
    Entry,
    Fate,
    Reason,
    RecordRef,
    Register,
    RowEntry,
    RowProblem,
    Severity,
    field_column,
)
from .contract import Contract, RecordKind, load_contract
from .crosscheck import (
    Aliases,
    link_to_episode,
    mark_duplicates,
    merge_episodes,
    merge_same_subject,
    nik_doubts,
    reject_before_birth,
    relink,
)
from .crossquery import EveryEntry, StoredRows
from .csvscan import Scanned, scan_file
from .duckcsv import Database, read_csv_duckdb
from .idindex import BuildReport, IndexStatus, build, open_index, status
from .mapping import Mapping, TableMapping, load_mapping
from .prefilter import plan, slice_tables
from .rows import read_rows
from .runs import Entries, records_by_kind
from .tables import RawTable, TableProblem, data_files, read_tables, unsupported_files

MAPPING_FILE = "mapping.yaml"
# the files that hold one table, of the kind their name or mapping says (`tables.read_tables`)
_ONE_TABLE = (".csv", ".jsonl", ".parquet")
_NO_DATE = dt.date.min  # a record without a date sorts first


def _display(path: Path, base: Path | None = None) -> str:
    """A file as reports show it: relative to the working directory when it is below it, else
    `data-folder/file` (a report shared with another office names no local path)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        pass
    if base is not None:
        try:
            return str(Path(base.resolve().name) / path.resolve().relative_to(base.resolve()))
        except ValueError:
            pass
    return str(path)


def _reject_all(name: str, rows, kind: str | None, reason: Reason) -> list[RowEntry]:
    """Every data row of an unusable table is read and rejected, never silently dropped."""
    return [
        RowEntry(RecordRef(name, line), kind, Fate.REJECTED, reason)
        for line, row in rows
        if any(c.strip() for c in row)
    ]


def _table_kind(
    table: RawTable, mapping: Mapping, contract: Contract
) -> tuple[RecordKind | None, TableMapping | None]:
    kind = contract.kind(mapping.kind_name(table.file.name, table.sheet, table.stem))
    return kind, mapping.for_table(table.file.name, table.sheet)


def read_table(
    table: RawTable, mapping: Mapping, contract: Contract, today: dt.date, limits: Limits = DEFAULT_LIMITS
) -> tuple[str | None, list[RowEntry], list[RowProblem]]:
    """One raw table (file or sheet): its record kind, its entries and its problems."""
    kind, table_map = _table_kind(table, mapping, contract)
    problems = [
        RowProblem(
            table.name, tp.line, None, None, tp.reason, Severity.WARNING if tp.warning else Severity.ERROR
        )
        for tp in table.problems
    ]
    fatal = not table.header or any(tp.fatal for tp in table.problems)
    if kind is None:
        reason = Reason.of(
            "table.unknown_kind", known=tuple(sorted(contract.kinds)), mapping_file=MAPPING_FILE
        )
        problems.append(RowProblem(table.name, 1, None, None, reason))
        fatal = True
    if fatal:
        entries = _reject_all(
            table.name, table.rows, kind.name if kind else None, Reason.of("table.unusable")
        )
        return (kind.name if kind else None), entries, problems
    assert kind is not None
    entries, row_problems = read_rows(kind, table.header, table.rows, table.name, today, table_map, limits)
    return kind.name, entries, problems + row_problems


def assemble(
    entries: list[Entry],
    problems: list[RowProblem],
    sources: list[tuple[str, str | None]],
    contract: Contract,
    today: dt.date,
    stored: StoredRows | None = None,
) -> Register:
    """Checks across records, then the records by kind in date order. `stored`: the rows the
    DuckDB reader kept, where the first checks find the entries they could concern (the
    others look at every entry)."""
    find = stored or EveryEntry()
    problems = problems + nik_doubts(_at(entries, find.nik_doubts(today)), contract, today)
    entries, before_birth = find.narrowed(reject_before_birth, entries, find.before_birth(), contract)
    entries, duplicates = find.narrowed(mark_duplicates, entries, find.duplicates())
    # episodes first: the records they re-link (two deliveries of one pregnancy) then merge by key
    entries, same_episode, aliases = find.narrowed(merge_episodes, entries, find.episodes(), contract)
    entries, *_ = find.narrowed(_relink, entries, find.relinks(aliases), aliases, contract)
    entries, linked = find.narrowed(link_to_episode, entries, find.links(), contract)
    entries, same_subject = find.narrowed(merge_same_subject, entries, find.same_subject(), contract)
    problems += before_birth + duplicates + same_episode + linked + same_subject
    records = entries.by_kind() if isinstance(entries, Entries) else records_by_kind(entries)
    files: defaultdict[str | None, list[str]] = defaultdict(list)
    for name, kind in sources:
        files[kind].append(name)
    ranked: dict[str, int] = {}
    for kind_name, recs in records.items():
        date_field = contract.kinds[kind_name].date_field
        if find.ranked(kind_name, recs, date_field):  # ordered by DuckDB (`kindorder`)
            ranked[kind_name] = len(recs)
            continue
        if not isinstance(recs, list):  # the kind's records made, to be sorted in Python
            recs = records[kind_name] = list(recs)
        if not date_field:
            continue
        names = files[kind_name]
        if all(a < b for a, b in pairwise(names)):
            # the records are in reading order, which is (file, line) order here: a stable sort
            # by date alone keeps it among records of one date (the dates read a column at a
            # time, the records put in their order by position: no Python call per record)
            dates = [d or _NO_DATE for d in field_column(recs, date_field)]
            recs[:] = map(recs.__getitem__, sorted(range(len(recs)), key=dates.__getitem__))
        else:  # (file, line) is the order of `RecordRef`, compared as plain values
            recs.sort(key=lambda r, f=date_field: (r.get(f) or _NO_DATE, r.ref.file, r.ref.line))
    register = Register(dict(records), problems, sources, contract, entries, ranked=ranked)
    register.assembled_from = entries
    return register


def _relink(entries: list[Entry], aliases: Aliases, contract: Contract) -> tuple[list[Entry]]:
    return (relink(entries, aliases, contract),)


def _at(entries: list[Entry], positions: list[int] | None) -> list[Entry]:
    return entries if positions is None else [entries[i] for i in positions]


def _folder_files(
    folder: Path, also: tuple[Path, ...], mapping_path: Path | None, contract: Contract, limits: Limits
) -> tuple[Mapping, list[RowProblem], list[tuple[Path, Path]]]:
    """The mapping, the files no reader takes (each a problem), and the files to read."""
    if not folder.is_dir():
        raise DataFolderMissing(str(folder))
    if mapping_path is None and (folder / MAPPING_FILE).exists():
        mapping_path = folder / MAPPING_FILE
    mapping = load_mapping(mapping_path, contract, limits.yaml_aliases) if mapping_path else Mapping()
    problems: list[RowProblem] = []
    for base, path in [(f, p) for f in (folder, *also) for p in unsupported_files(f)]:
        unsupported = Reason.of("table.unsupported", suffix=path.suffix)
        problems.append(RowProblem(_display(path, base), 1, None, None, unsupported))
    return mapping, problems, [(f, p) for f in (folder, *also) for p in data_files(f)]


def _register(
    tables: Iterable[RawTable | ReadTable], mapping: Mapping, contract: Contract, today: dt.date,
    limits: Limits, problems: list[RowProblem], shown: dict[str, Path], store: Database | None = None,
) -> Register:  # fmt: skip
    """The register of the tables read (a `ReadTable` was already read through DuckDB, its
    plain rows kept in `store` when one is given)."""
    entries = Entries()
    sources: list[tuple[str, str | None]] = []
    spans: dict[str, tuple[str | None, int, int]] = {}  # per table, its kind and its entries
    loose: set[str] = set()  # kinds with a record that is not a kept row
    # of the files whose bytes a reader hashed; a name shown twice (two folders' files) is
    # the last file's, as `paths` is
    digests: dict[str, str] = {}
    for table in tables:
        digest = None
        if isinstance(table, ReadTable):
            name, kind, table_entries, table_problems, table_loose, digest = table
            if table_loose and kind is not None:
                loose.add(kind)
        else:
            name = table.name
            kind, table_entries, table_problems = read_table(table, mapping, contract, today, limits)
            if kind is not None and any(e.record is not None for e in table_entries):
                loose.add(kind)
        if digest is not None:
            digests[name] = digest
        else:
            digests.pop(name, None)
        sources.append((name, kind))
        spans[name] = (kind, len(entries), len(entries) + len(table_entries))
        entries.extend_from(table_entries)
        problems += table_problems
    stored = None
    if store is not None and store.kept and len(spans) == len(sources) and -1 not in store.files.values():
        # (a name shown twice: its rows cannot be found by file and line)
        stored = StoredRows(store, entries, spans, loose, contract)  # else every check walks every entry
    register = assemble(entries, problems, sources, contract, today, stored)
    register.paths.update(shown)
    register.digests.update(digests)
    return register


def read_folder(
    folder: Path,
    contract: Contract | None = None,
    mapping_path: Path | None = None,
    today: dt.date | None = None,
    also: tuple[Path, ...] = (),
    limits: Limits = DEFAULT_LIMITS,
    progress: Callable[[str, int, int], None] | None = None,
    kinds: frozenset[str] | None = None,
) -> Register:
    """Read every CSV, XLSX, JSONL and Parquet file of a folder (`DataFolderMissing` if there
    is none).

    A `mapping.yaml` in the folder (or `mapping_path`) maps local headers and codes. Files of
    the `also` folders are read with them (a worked example's committed sasaran table).
    `kinds`: read only the files of these record kinds (with every kind the checks across
    records need to judge them, `Contract.with_checks`); a CSV, JSON Lines or Parquet file of
    another known kind (one table, named by the file or its mapping) is not opened and is
    named in `Register.not_read`. A workbook is read whole: its sheets' kinds are known only
    inside it.
    """
    contract = contract or load_contract()
    mapping, problems, paths = _folder_files(folder, also, mapping_path, contract, limits)
    not_read: list[tuple[str, str]] = []
    if kinds is not None:
        paths, not_read = _wanted(paths, mapping, contract, contract.with_checks(kinds))
    shown = {_display(path, base): path for base, path in paths}

    today = today or dt.date.today()

    def tables(database: Database) -> Iterator[RawTable | ReadTable]:
        # the next CSV file's bytes are scanned (layout, checksum) in a thread while DuckDB
        # reads this one: the scan is Python's and one core's, DuckDB's work lets go of the
        # interpreter's lock
        csv_kinds = [_csv_of_kind(path, mapping, contract) for _base, path in paths]
        with ThreadPoolExecutor(max_workers=1) as pool:

            def scanning(at: int) -> Future[Scanned | None] | None:
                found = csv_kinds[at] if at < len(paths) else None
                return None if found is None else pool.submit(scan_file, paths[at][1], found[2], limits)

            ahead = scanning(0)
            for i, (base, path) in enumerate(paths, start=1):
                if progress is not None:
                    progress("read", i, len(paths))
                this, ahead = ahead, scanning(i)
                found, scanned = csv_kinds[i - 1], None if this is None else this.result()
                fast = None  # (a file not scanned, or not readable: the Python readers say why)
                if found is not None and scanned is not None:
                    fast = _read_csv_fast(path, _display(path, base), found, today, limits, database, scanned)
                if fast is not None:
                    database.checkpoint()  # its kept rows compressed before the next file's are made
                    yield fast
                else:
                    yield from _read_file(path, mapping, limits, base)

    # the typed rows of the CSV files DuckDB reads are kept for the compiled path; the
    # database lives as long as the register (closed at once when it kept nothing)
    database = Database(keep=True)
    try:
        register = _register(tables(database), mapping, contract, today, limits, problems, shown, database)
    except BaseException:
        database.close()
        raise
    if database.kept:
        register.store = database
    else:
        database.close()
    register.not_read = not_read
    return register


def _wanted(
    paths: list[tuple[Path, Path]], mapping: Mapping, contract: Contract, kinds: frozenset[str]
) -> tuple[list[tuple[Path, Path]], list[tuple[str, str]]]:
    """The files to read, and the one-table files of a known kind not among `kinds` (shown
    name, kind), which are not read."""
    read: list[tuple[Path, Path]] = []
    skipped: list[tuple[str, str]] = []
    for base, path in paths:
        kind = contract.kind(mapping.kind_name(path.name, None, path.stem))
        if path.suffix.lower() in _ONE_TABLE and kind is not None and kind.name not in kinds:
            skipped.append((_display(path, base), kind.name))
        else:
            read.append((base, path))
    return read, skipped


class ReadTable(NamedTuple):
    """A table already read into entries: its name, record kind, entries and problems."""

    name: str
    kind: str | None
    entries: list[Entry]
    problems: list[RowProblem]
    loose: bool  # a record that is not a kept row (`crossquery`)
    digest: str | None = None  # the SHA-256 of the bytes read


def _csv_of_kind(
    path: Path, mapping: Mapping, contract: Contract
) -> tuple[RecordKind, TableMapping | None, int] | None:
    """A CSV file's record kind, its table's mapping and header row; None for another format
    or a file of no known kind (the Python readers say what it is)."""
    if path.suffix.lower() != ".csv":
        return None
    kind = contract.kind(mapping.kind_name(path.name, None, path.stem))
    if kind is None:
        return None
    return kind, mapping.for_table(path.name, None), mapping.header_row(path.name)


def _read_csv_fast(
    path: Path, name: str, found: tuple[RecordKind, TableMapping | None, int], today: dt.date,
    limits: Limits, database: Database, scanned: Scanned,
) -> ReadTable | None:  # fmt: skip
    """A CSV register of a known kind (`_csv_of_kind`) read through DuckDB (`duckcsv`), or
    None when it is left to the Python readers (a file DuckDB might not cut as they do).
    `scanned`: the file's `csvscan.scan_file`, made ahead."""
    kind, table_map, header_row = found
    read = read_csv_duckdb(path, name, header_row, kind, table_map, today, limits, database, scanned)
    if read is None:
        return None
    return ReadTable(name, kind.name, read.entries, read.problems, read.loose[0], read.digest)


def read_subject(
    folder: Path,
    key: str,
    contract: Contract | None = None,
    mapping_path: Path | None = None,
    today: dt.date | None = None,
    also: tuple[Path, ...] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> Register:
    """The register of one subject: only the rows that share one of its identifiers (see
    `prefilter`), read and checked exactly as `read_folder` reads them. `SliceTooWide` when the
    identifiers do not stay few."""
    contract = contract or load_contract()
    mapping, problems, paths = _folder_files(folder, also, mapping_path, contract, limits)
    shown = {_display(path, base): path for base, path in paths}
    base_of = {_display(path, base): base for base, path in paths}
    index = open_index(folder)  # `spm-rules index`: lines looked up instead of searched
    files = plan(
        [(path, name) for name, path in shown.items()],
        mapping,
        contract,
        lambda path, name: _read_file(path, mapping, limits, base_of[name]),
        index,
        limits,
    )
    tables = slice_tables(files, key, mapping, contract, limits, index)
    return _register(tables, mapping, contract, today or dt.date.today(), limits, problems, shown)


def index_folder(
    folder: Path,
    contract: Contract | None = None,
    mapping_path: Path | None = None,
    also: tuple[Path, ...] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> BuildReport:
    """Build the identifier index `read_subject` looks rows up in (`idindex`)."""
    contract = contract or load_contract()
    mapping, _problems, paths = _folder_files(folder, also, mapping_path, contract, limits)
    return build(folder, [(path, _display(path, base)) for base, path in paths], mapping, contract)


def index_status(folder: Path, also: tuple[Path, ...] = ()) -> IndexStatus:
    """Whether the folder has an index, and which of its CSV files it no longer covers."""
    if not folder.is_dir():
        raise DataFolderMissing(str(folder))
    return status(folder, [p for f in (folder, *also) for p in data_files(f)])


def _read_file(path: Path, mapping: Mapping, limits: Limits, base: Path | None = None) -> list[RawTable]:
    """The tables of one file; a file the system will not let us read is a problem, not a crash."""
    name = _display(path, base)
    try:
        return read_tables(path, name, mapping.header_row(path.name), limits=limits)
    except OSError as err:
        message, message_en = (
            f"file tidak dapat dibaca: {err.strerror}",
            f"the file cannot be read: {err.strerror}",
        )
    except LimitExceeded as err:
        message, message_en = err.report("id"), err.report("en")
    table = RawTable(name, path.stem, path, None, [], [])
    table.problems.append(TableProblem(1, message, message_en))
    return [table]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def register_from_tables(
    tables: dict[str, list[dict[str, Any]]],
    source: str,
    contract: Contract | None = None,
    today: dt.date | None = None,
) -> Register:
    """A register from rows given as dicts (YAML test cases): validated exactly like CSV rows.

    Each row's place is reported as `SOURCE#kind` and its 1-based position.
    """
    contract = contract or load_contract()
    today = today or dt.date.today()
    entries: list[Entry] = []
    problems: list[RowProblem] = []
    sources: list[tuple[str, str | None]] = []
    for kind_name, rows in tables.items():
        name = f"{source}#{kind_name}"
        kind = contract.kind(kind_name)
        sources.append((name, kind.name if kind else None))
        if not rows:
            continue  # an empty list: no rows of this kind
        if kind is None:
            problems.append(
                RowProblem(name, 1, None, None, Reason.of("table.unknown_record_kind", kind=kind_name))
            )
            entries += [
                RowEntry(
                    RecordRef(name, i),
                    None,
                    Fate.REJECTED,
                    Reason.of("table.unknown_record_kind", kind=kind_name),
                )
                for i in range(1, len(rows) + 1)
            ]
            continue
        header: list[str] = []
        for row in rows:
            header += [c for c in row if c not in header]
        numbered = [(i, [_cell_text(row.get(c)) for c in header]) for i, row in enumerate(rows, 1)]
        table_entries, table_problems = read_rows(kind, header, numbered, name, today)
        entries += table_entries
        problems += table_problems
    return assemble(entries, problems, sources, contract, today)
