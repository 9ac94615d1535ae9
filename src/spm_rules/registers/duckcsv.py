"""CSV registers read through DuckDB: the same entries and problems as `tables.read_csv` and
`rows.read_rows`, with the per-row, per-cell work done in C.

Only a file the Python reader would cut the same way is taken (`csvscan.scan`): UTF-8, no quote
character, no NUL, every CR the first half of a CRLF. Its lines are then the text split at LF
(a CR before it dropped) and its cells each line split at the delimiter — what `csv.reader`
yields for a line without quotes — so line numbers are the physical ones. DuckDB splits the
lines and cells, gives each column's distinct texts, which the batch reader judges once in
Python (`_TableReader.cell`: the same conversion and property check, exact by construction),
and decides in SQL which rows are plain (every cell plain, `required`, `anyOf` and an identity
met): those become records from the judged values. Every other row is read alone by the code
`read_rows` uses for it, so its problems are worded as today. Anything this module is not sure
of returns None and the file is read by the Python path.
"""

from __future__ import annotations

import datetime as dt
import weakref
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from itertools import compress, pairwise, repeat
from pathlib import Path
from typing import Any, NamedTuple

from ..limits import DEFAULT_LIMITS, Limits
from ..model import IN_PLACE, Columns, Entry, Record, RecordRef, RowProblem
from ..sqlvalues import column as sql_column
from ..sqlvalues import sql_type
from .castcells import cast_cells
from .contract import Identity, RecordKind
from .csvscan import Layout, Scanned, scan_file
from .csvscan import cells as line_cells
from .fastcheck import FastCheck
from .mapping import TableMapping
from .rows import _Column, _TableReader, batched, odd_row, table_shape
from .runs import Entries, KeptRun

FIELD_LIMIT = 64 * 1024 * 1024  # csv.field_size_limit set in tables.py
CHUNK_ROWS = 100_000  # rows fetched from DuckDB at a time


def _free_text(reader: _TableReader, column: _Column) -> bool:
    """Whether a column's cells are free text: a string field, not evidence, without mapped
    codes. Its value is then the stripped text (`_text`, `convert_cell`: no cell of a file
    `layout` takes starts with NUL, as `IMPRECISE` does), and a cell is plain when it is empty
    or its property's tests pass."""
    spec, table_map = column.spec, reader.table_map
    codes = table_map.values if table_map is not None else {}
    return spec.type == "string" and not spec.evidence and column.name not in codes


def _flags(reader: _TableReader, column: _Column, texts: list[str]) -> tuple[list[Any], list[int]]:
    """Each distinct text's value and flags: 1 plain, 2 recorded (not None), 4 filled (not
    None nor empty, as an identity needs). Free text (a NIK, an episode's id: a text per row)
    is judged a column at a time, any other cell by `_TableReader.cell`."""
    if _free_text(reader, column):
        stripped = list(map(str.strip, texts))
        good = set(reader.fast.texts_ok(column.name, [s for s in stripped if s]))  # `property_ok`
        values = [s or None for s in stripped]
        return values, [(7 if s in good else 0) if s else 1 for s in stripped]
    values, flags = [], []
    for text in texts:
        out = reader.cell(column, text)
        values.append(out.value)
        v = out.value
        flags.append(out.plain | (v is not None) << 1 | (v is not None and v != "") << 2)
    return values, flags


class Database:
    """One in-memory DuckDB for the CSV registers of a read, opened when the first is read
    (about 20 ms); each file has its own cursor, and so its own temporary tables.

    With `keep`, the typed values of every plain row (those made records from the judged
    values, as `StoredRecord`s) are kept in one table per record kind (`s_<kind>`: the file's
    number `f`, its `line`, every field of the kind), so that the compiled path loads its
    tables from them instead of converting each record again (`Register.store`), and from
    which its records' values are made when first read (`_kept_columns`, `model.Columns`; a
    column they do not tell is kept as codes in `c_<file>`): the database lives as long as
    them."""

    def __init__(self, keep: bool = False) -> None:
        self._db: Any = None
        self._closed = False
        self.keep = keep
        self.files: dict[str, int] = {}  # file as shown -> its number; -1: a name read twice
        # each kept file's fields (its columns, constants and the identity), sorted: the
        # names in the key `mark_duplicates` gives its records
        self.shapes: dict[int, tuple[str, ...]] = {}
        self._tables: dict[str, tuple[str, frozenset[str]]] = {}
        # each kept file's records' values (weakly: they hold a way back to the database,
        # and the cyclic collector rests during a command)
        self._columns: dict[int, weakref.ref[Columns]] = {}
        self._ranked: dict[str, str] = {}  # per kind, the table of its ranking (`kindorder`)
        # the kinds whose records' places are still to be read from their ranking (`ordered`)
        self._unread: set[str] = set()

    def cursor(self, reopen: bool = True) -> Any:
        """A cursor on the database, opened when first asked. `reopen=False`: the records'
        values are read from it, which a closed database no longer holds (a fault of the
        caller, said as such rather than as a missing table of a new, empty database)."""
        if self._db is None:
            if not reopen and self._closed:
                raise RuntimeError("the register's database was closed before its records were read")
            import duckdb  # loaded only when a CSV register is read

            self._db = duckdb.connect()
            # the kept tables in a compressed in-memory database (`checkpoint`)
            self._db.execute("ATTACH ':memory:' AS kept (COMPRESS)")
            # one thread more than DuckDB's default (the cores): on two cores its one worker
            # thread sat out one checkpoint in three to five (the same CPU time on one core),
            # and a run took longer than with a second worker (usia produktif at city scale
            # 11,1-11,3 -> 10,7-11,0 s, the twelve services 32,9/34,5 -> 31,8/33,5 s)
            [(threads,)] = self._db.execute("SELECT current_setting('threads')").fetchall()
            self._db.execute(f"SET threads = {int(threads) + 1}")
        cursor = self._db.cursor()
        cursor.execute("USE kept")
        return cursor

    @staticmethod
    def qualified(table: str) -> str:
        """A table of the kept database's own schema, named from any cursor's schema."""
        return 'kept.main."' + table.replace('"', '""') + '"'

    def checkpoint(self) -> None:
        """Compress the tables kept so far: DuckDB compresses an in-memory table when the
        database is checkpointed (a city's kept rows 2,6 GB uncompressed). Its row groups
        are compressed in parallel: with as many threads as cores one checkpoint in three to
        five ran on one core (1,2 s instead of 0,6 s for the city's persons), hence the
        database's thread more (`cursor`)."""
        if self._db is not None:
            self._db.execute("CHECKPOINT kept")

    def table(self, kind: str) -> tuple[str, frozenset[str]] | None:
        """The table of a kind's typed rows and its fields; None when none was kept."""
        return self._tables.get(kind)

    def kept_columns(self, number: int, columns: Columns) -> None:
        self._columns[number] = weakref.ref(columns)

    def name_of(self, number: int) -> str:
        return next(name for name, n in self.files.items() if n == number)

    def numbers_of(self, columns: Iterable[Columns]) -> dict[int, Columns] | None:
        """The kept files whose records' values are these `Columns`, by number; None when one
        is not a kept file's (a record copied, say)."""
        # (ids of the files' values still alive: an id equal to a live argument's is that object)
        by_id = {id(c): n for n, ref in self._columns.items() if (c := ref()) is not None}
        out = {}
        for c in columns:
            n = by_id.get(id(c))
            if n is None:
                return None
            out[n] = c
        return out

    def ranked(self, kind: str, table: str, unread: bool) -> None:
        """The kind's records are ranked by `table` (`f`, `line`, `_rid`; `kindorder`);
        `unread`: their places are read from it when first asked (`ordered`), and it is kept
        until then."""
        self._ranked[kind] = table
        if unread:
            self._unread.add(kind)

    def ordered(self, kind: str) -> None:
        """The kind's places were read from its ranking: the ranking is dropped when its kept
        rows are gone too."""
        self._unread.discard(kind)
        if kind not in self._tables:
            self.release(kind)

    def ranking(self, kind: str) -> str | None:
        """The table of the kind's ranking while its kept rows are here; None when the kind
        was not ranked in SQL (`Register.ranked` says which list of records it ranks)."""
        return self._ranked.get(kind) if kind in self._tables else None

    @property
    def kept(self) -> bool:
        return bool(self._tables)

    def number(self, name: str) -> int | None:
        """A new file's number, or None when its rows cannot be told apart by file and line
        (a second file shown under the same name: neither is kept)."""
        if name in self.files:
            self.files[name] = -1
            return None
        self.files[name] = len(self.files)
        return self.files[name]

    def kind_table(self, con: Any, kind: RecordKind) -> str:
        """The kind's table, made when its first file is kept. The identity is not stored: it
        is computed when read (a virtual column) from the alternative each row meets (`_alt`)
        and the fields it joins, as `Identity.derive` joins them — a NIK stored once, not twice
        (compressing a city's NIKs is most of a checkpoint)."""
        found = self._tables.get(kind.name)
        if found is None:
            name = f"s_{kind.name}"
            identity = kind.identity
            columns = [f'"{n}" {sql_type(f.type)}' for n, f in sorted(kind.fields.items())]
            if identity is not None and identity.field in kind.fields:
                at = sorted(kind.fields).index(identity.field)
                columns[at] += f" GENERATED ALWAYS AS ({_derived(kind)}) VIRTUAL"
            alt = ", _alt SMALLINT" if identity is not None else ""
            # (it may be there still, released but read for its texts: `texts`)
            fields = ", ".join(columns)
            con.execute(f'CREATE TABLE IF NOT EXISTS "{name}" (f INTEGER, line BIGINT{alt}, {fields})')
            found = self._tables[kind.name] = (name, frozenset(kind.fields))
        return found[0]

    def typed_rows(self, kind: str) -> str:
        """The kind's table of typed rows, from which its kept files' records' values are read
        (`_kept_columns`): it stays, compressed, as long as the database, when the kind's rows
        are released."""
        return self.qualified(f"s_{kind}")

    def release(self, kind: str) -> None:
        """Forget a kind's kept rows: a later load of the kind passes its records' values. Their
        table stays, for the records read their values from it (`typed_rows`); the kind's
        ranking is dropped unless its places are still to be read."""
        self._tables.pop(kind, None)
        ranked = self._ranked.pop(kind, None) if kind not in self._unread else None
        if self._db is not None and ranked is not None and ranked != IN_PLACE:
            self._db.execute(f'DROP TABLE IF EXISTS kept."{ranked}"')

    def forget(self, name: str) -> None:
        """A file whose reading failed half-way: the rows kept of it dropped, and its name
        no longer kept (its records are read otherwise, and loaded from their values)."""
        number = self.files.get(name)
        if number is None or number < 0:
            return
        self.files[name] = -1
        self.shapes.pop(number, None)
        self._columns.pop(number, None)
        if self._db is not None:
            for table, _fields in self._tables.values():
                self._db.execute(f'DELETE FROM kept."{table}" WHERE f = {number}')
            self._db.execute(f'DROP TABLE IF EXISTS kept."c_{number}"')

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
            self._closed = True

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Read(NamedTuple):
    """A register read: its entries and problems, as `rows.read_rows` gives them, and whether
    any of its records is not a kept row (`loose`: a row read alone, or a file not kept); the
    checks across records look at such a kind's records in Python (`crossquery`)."""

    entries: list[Entry] | Entries  # `Entries` where the plain rows were kept (`runs`)
    problems: list[RowProblem]
    loose: list[bool]  # one flag, set while reading
    digest: str | None = None  # the SHA-256 of the bytes read (`FileDigest`)


def read_csv_duckdb(
    path: Path,
    name: str,
    header_row: int,
    kind: RecordKind,
    table_map: TableMapping | None,
    today: dt.date,
    limits: Limits = DEFAULT_LIMITS,
    database: Database | None = None,
    scanned: Scanned | None = None,
) -> Read | None:
    """The entries and problems of one CSV register of `kind`, equal to the Python reader's;
    None when the file is left to it. `scanned`: the file's `scan_file`, when made already."""
    scanned = scanned or scan_file(path, header_row, limits)
    if scanned is None or scanned.layout is None or kind.fast is None:
        return None
    found = scanned.layout
    shape = table_shape(kind, found.header, name, table_map)
    reader = _TableReader(kind, shape, kind.fast, today, table_map, limits)
    if shape.missing or not reader.distinct_fields:
        return None
    import duckdb

    with Database() if database is None else nullcontext(database) as db:
        con = db.cursor()
        try:
            read = _read(con, path, found, reader, name, db)
            return None if read is None else read._replace(digest=scanned.digest)
        except duckdb.Error:
            db.forget(name)  # the file is read by the Python path: nothing of it is kept
            return None
        finally:
            con.close()


def _columns_table(con, path: Path, found: Layout, width: int) -> bool:
    """`t0`: the data lines read by DuckDB's CSV reader, one VARCHAR column per header column,
    in file order. Taken only when it is sure to be the Python reader's rows: no blank line
    (DuckDB skips them where there are two columns or more — then the count of rows below
    tells them, without a search of the text — and reads them as a row of one empty cell
    where there is one), every line of the header's width (strict: an error for a short row;
    a long row whose extra cells are empty is taken by DuckDB without one, so the delimiters
    after the header are counted: exactly width - 1 per data line), as many rows as data
    lines."""
    if found.blank_first or (width == 1 and found.blank_inside):
        return False
    if found.data_delimiters is None:
        return False  # no data line
    if found.data_delimiters != (width - 1) * (found.lines - found.header_line):
        return False
    import duckdb

    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    try:
        con.execute(
            "CREATE TEMP TABLE t0 AS SELECT * FROM read_csv(?, delim=?, quote='', escape='', header=false, "
            f"skip=?, auto_detect=false, strict_mode=true, columns={columns})",
            [str(path), found.delimiter, found.header_line],
        )
    except duckdb.Error:  # a ragged row, a line too long: then the lines are split
        con.execute("DROP TABLE IF EXISTS t0")
        return False
    [(count,)] = con.execute("SELECT count(*) FROM t0").fetchall()
    return count + found.header_line == found.lines


def _source(con, path: Path, found: Layout, width: int, limits: Limits) -> tuple[str, list[str], str] | None:
    """The view `t` of the data lines: `n` (the line), `ok` (of the header's width), `c0`…
    (each cell, '' past a short row's end) and `odd` (the line without its end, as read alone);
    and the SQL of those. None when the lines are not the Python reader's."""
    cells = [f"c{i}" for i in range(width)]
    if _columns_table(con, path, found, width):
        con.execute(
            f"CREATE TEMP VIEW t AS SELECT rowid + {found.header_line + 1} AS n, TRUE AS ok, "
            + ", ".join(f"coalesce(c{i}, '') AS c{i}" for i in range(width))
            + " FROM t0"
        )
        return "ok", cells, f"concat_ws({_quoted(found.delimiter)}, {', '.join(cells)})"
    try:
        text = found.text  # (the file read again: its lines are given to DuckDB as one text)
    except (OSError, UnicodeDecodeError):
        return None  # changed since: the Python path reads it as it is now
    con.execute(
        "CREATE TEMP TABLE t1 AS SELECT n, line, string_split(rtrim(line, chr(13)), ?) AS cells "
        "FROM (SELECT generate_subscripts(l, 1) AS n, unnest(l) AS line "
        "FROM (SELECT string_split(?, chr(10)) AS l)) WHERE n > ?",
        [found.delimiter, text, found.header_line],
    )
    del text
    count, longest, widest = con.execute(
        "SELECT count(*), max(strlen(line)), max(len(cells)) FROM t1"
    ).fetchone()
    if count + found.header_line != found.lines + found.ends_lf or (longest or 0) >= FIELD_LIMIT:
        return None  # not the lines the Python reader would see
    if (widest or 0) > limits.sheet_columns:
        return None  # the Python path refuses the file in the user's words
    con.execute(
        f"CREATE TEMP VIEW t AS SELECT n, len(cells) = {width} AS ok, "
        + ", ".join(f"cells[{i + 1}] AS c{i}" for i in range(width))
        + ", rtrim(line, chr(13)) AS odd FROM t1"
    )
    return "ok", cells, "odd"


def sure_sql(fast: FastCheck, name: str, cell: str) -> str | None:
    """The condition on `cell` (a text) saying that DuckDB is sure of it for property `name`
    (`FastCheck.sure`: its own value once stripped, and it passes); None when no text is."""
    found = fast.sure.get(name)
    if found is None:
        return None
    pattern, limit = found
    test = f"regexp_full_match({cell}, {_quoted(pattern)})"
    return test if limit is None else f"({test} AND length({cell}) <= {limit})"


def _quoted_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _storable(kind: RecordKind) -> bool:
    """Whether a kind's identity can be made in SQL as `Identity.derive` makes it: from text
    fields of the kind (whose typed values are their texts) other than itself (it is a
    virtual column of the others, `Database.kind_table`)."""
    identity = kind.identity
    if identity is None:
        return True
    fields = kind.fields
    possible = _possible(kind)
    joined = {f for _i, alt in possible for f in alt}
    names = {identity.field, *joined}
    return (
        bool(possible)
        and identity.field not in joined
        and all(n in fields and fields[n].type == "string" for n in names)
    )


def _possible(kind: RecordKind) -> list[tuple[int, tuple[str, ...]]]:
    """The identity's alternatives a row can meet, each with its place among them: one naming
    a field the kind does not have is never met (a record has no value for it: `derive`
    finds none, `has` is FALSE) — a school's registration has a local number but no facility."""
    identity = kind.identity
    assert identity is not None
    return [(i, alt) for i, alt in enumerate(identity.alternatives) if all(f in kind.fields for f in alt)]


def _read(con, path: Path, found: Layout, reader: _TableReader, name: str, db: Database) -> Read | None:
    kind, fast = reader.kind, reader.fast
    width = len(found.header)
    source = _source(con, path, found, width, reader.limits)
    if source is None:
        return None
    ok, cells, odd = source
    # per column: its distinct texts judged once, joined back as a code (the value's index)
    read = [c for c in reader.columns if c.index >= 0]
    # a free text DuckDB is sure of (a NIK of 16 digits, a name: `FastCheck.sure`) is its own
    # value and plain, as `_flags` would find: only the other texts are fetched and judged, by
    # a query of its own (in the pass over every column, a filtered DISTINCT hashed every NIK)
    cell_of = [f"t.{cells[c.index]}" for c in read]
    sure = [sure_sql(fast, c.name, cell_of[k]) if _free_text(reader, c) else None for k, c in enumerate(read)]
    found_texts: dict[int, list[str] | None] = {}
    each = [k for k, test in enumerate(sure) if test is None]
    if each:
        distinct = ", ".join(f"list(DISTINCT {cell_of[k]})" for k in each)
        got = con.execute(f"SELECT {distinct} FROM t WHERE {ok}").fetchone()
        found_texts.update(zip(each, got, strict=True))
    for k, test in enumerate(sure):
        if test is not None:
            query = f"SELECT list(DISTINCT {cell_of[k]}) FROM t WHERE {ok} AND NOT {test}"
            [(found_texts[k],)] = con.execute(query).fetchall()
    texts_of = iter([found_texts[k] for k in range(len(read))])
    # the plain rows' typed values kept in the kind's table (below); a column read back from
    # them needs no code, so its cells a cast tells are not joined (`castcells`)
    keeping = db.keep and _storable(kind) and db.number(name) is not None
    lookups: list[dict] = []  # per column: a row's code -> its value (`dict.get(code, code)`)
    flag_of: dict[str, str] = {}  # per field, its cell's flags in SQL
    two_flags: dict[str, tuple[str, int, int]] = {}  # or its cell and the flags of empty / other
    joins, codes = [], []
    typed: dict[str, str] = {}  # per field, its typed value in SQL (the rows kept in `db`)
    typed_params: list[Any] = []
    backs: list[dict[Any, Any] | None] = []  # per coded column: its values by typed value
    for j, column in enumerate(reader.columns):
        ftype = column.spec.type
        if column.index < 0:
            vals, flags = _flags(reader, column, [column.constant])
            flag_of[column.name] = str(flags[0])
            codes.append("0")
            lookups.append({0: vals[0]})
            typed_params.append(sql_column(vals, ftype)[0])  # numbered: the identity may repeat it
            typed[column.name] = f"${len(typed_params)}::{sql_type(ftype)}"
            backs.append(None)
            continue
        cell = f"t.{cells[column.index]}"
        texts = next(texts_of) or []
        vals, flags = _flags(reader, column, texts)
        if _free_text(reader, column):
            # a plain text that is its own value comes as itself; the others (empty: None;
            # any other is not plain here, its row read alone) are the exceptions joined
            keep = [
                k for k, (v, f) in enumerate(zip(vals, flags, strict=True)) if not (f == 7 and v == texts[k])
            ]
            texts = [texts[k] for k in keep]
            lookups.append({})
            backs.append(None)
            if set(texts) <= {""}:  # no other exception than the empty cell: no join
                codes.append(f"nullif({cell}, '')")
                two_flags[column.name] = (cell, 1, 7)
                typed[column.name] = codes[-1]
                continue
            flags = [1 if texts[i] == "" else 0 for i in range(len(keep))]
            codes.append(f"CASE WHEN d{j}.text IS NULL THEN {cell} END")
            flag_of[column.name] = f"coalesce(d{j}.flags, 7)"
            typed[column.name] = codes[-1]
            values: list[Any] = [None] * len(texts)
        else:
            lookups.append(dict(enumerate(vals)))
            values = sql_column(vals, ftype)
            # (the kind's table types the field as this: the column's spec is the kind's field)
            backs.append(_told_back(vals, flags, values, sql_type(ftype)))
            cast = None
            if keeping and backs[-1] is not None and _read_back(reader, column):
                # read back from the typed rows, its code is never read: a cast tells its
                # cells, and only the texts the cast does not tell are joined
                cast = cast_cells(con, texts, values, flags, sql_type(ftype))
            if cast is None:
                codes.append(f"coalesce(d{j}.code, 0)")
                flag_of[column.name] = f"coalesce(d{j}.flags, 0)"
                typed[column.name] = f"d{j}.value"
            else:
                codes.append("NULL")
                value = cast.value.format(cell)
                if not cast.others:
                    typed[column.name] = value
                    two_flags[column.name] = (cell, cast.empty, cast.other)
                    continue
                texts, flags, values = ([xs[k] for k in cast.others] for xs in (texts, flags, values))
                typed[column.name] = f"CASE WHEN d{j}.text IS NULL THEN {value} ELSE d{j}.value END"
                usual = f"CASE WHEN {cell} = '' THEN {cast.empty} ELSE {cast.other} END"
                flag_of[column.name] = f"coalesce(d{j}.flags, {usual})"
        con.execute(
            f"CREATE TEMP TABLE d{j} AS SELECT unnest(?::VARCHAR[]) AS text, "
            "unnest(range(?)) AS code, unnest(?::INTEGER[]) AS flags, "
            f"unnest(?::{sql_type(ftype)}[]) AS value",
            [texts, len(texts), flags, values],
        )
        joins.append(f"LEFT JOIN d{j} ON {cell} = d{j}.text")

    def has(field: str, bit: int) -> str:
        if field in two_flags:  # the flags of an empty cell and of any other, written out
            cell, empty, other = two_flags[field]
            return {
                (True, True): "TRUE",
                (True, False): f"coalesce({cell} = '', FALSE)",
                (False, True): f"coalesce({cell} <> '', TRUE)",
                (False, False): "FALSE",
            }[(empty & bit != 0, other & bit != 0)]
        return f"({flag_of[field]} & {bit}) <> 0" if field in flag_of else "FALSE"

    plain = [ok]
    if not (fast.required or fast.any_of or kind.identity):
        # else a plain row has a value, from a cell that is not blank
        plain.append(f"regexp_matches({odd}, '[0-9A-Za-z]')")
    plain += [has(c.name, 1) for c in reader.columns]
    plain += [has(f, 2) for f in fast.required]
    if fast.any_of:
        plain.append(
            "(" + " OR ".join("(" + " AND ".join(has(f, 2) for f in alt) + ")" for alt in fast.any_of) + ")"
        )
    alt = "0"
    if kind.identity is not None:
        met = ["(" + " AND ".join(has(f, 4) for f in a) + ")" for a in kind.identity.alternatives]
        plain.append("(" + " OR ".join(met) + ")")
        alt = "CASE " + " ".join(f"WHEN {m} THEN {i}" for i, m in enumerate(met)) + " ELSE 0 END"
    # the codes first (a row's values: `map(dict.get, lookups, row, row)` stops where they
    # end), then the line, whether it is plain, its identity's alternative, an odd row's text
    is_plain = " AND ".join(plain)
    if keeping:
        # the plain rows' typed values kept in the kind's table, from which their records'
        # values are read when first asked (`Columns`); the plain rows are runs of the file's
        # lines (a record made when read: `runs.KeptRun`), only the odd rows cross to be read
        # alone — looked for only where the rows kept are not every line
        plain = _keep(con, db, name, kind, typed, typed_params, alt, joins, is_plain)
        kept = ["0" if c.index < 0 else codes[j] for j, c in enumerate(reader.columns)]
        columns, lines = _kept_columns(con, db, name, reader, lookups, backs, kept, joins, is_plain)
        odd_rows = f"SELECT t.n, {odd} FROM t {' '.join(joins)} WHERE NOT ({is_plain}) ORDER BY t.n"
        return _kept_entries(con, reader, found, name, columns, lines, plain, odd_rows)
    select = ", ".join([*codes, "t.n", is_plain, alt, f"CASE WHEN NOT ({is_plain}) THEN {odd} END"])
    result = con.execute(f"SELECT {select} FROM t {' '.join(joins)} ORDER BY t.n")
    # fetched a slice at a time: a city's largest register as one list of row tuples held
    # gigabytes beside the records made from it
    read = Read([], list(reader.shape.problems), [False])
    while rows := result.fetchmany(CHUNK_ROWS):
        _entries(reader, found, name, lookups, rows, read)
    return read


def _kept_entries(
    con, reader: _TableReader, found: Layout, name: str, columns: Columns, plain_lines: str, plain: int,
    odd_rows: str,
) -> Read:  # fmt: skip
    """The entries of a kept file: its plain rows as runs between its odd rows (no record
    made), each odd row read alone as `read_rows` reads it. `plain_lines`: the plain rows' lines
    (`n`), as a table or a query; `plain`: how many; `odd_rows`: the query of the others."""
    kind = reader.kind
    [(total,)] = con.execute("SELECT count(*) FROM t").fetchall()
    odd = con.execute(odd_rows).fetchall() if plain != total else []
    read = Read(Entries(), list(reader.shape.problems), [False])
    entries = read.entries
    assert isinstance(entries, Entries)
    runs = _plain_runs(con, plain_lines, plain, [line for line, _text in odd])
    columns.rows = sum(map(len, runs))
    done = 0
    for (line, text), lines in zip(odd, runs[:-1], strict=True):
        if lines:
            entries.add(KeptRun(kind.name, name, columns, done, lines))
            done += len(lines)
        pending: list[Entry] = []
        _read_alone(reader, found, RecordRef(name, line), text, pending, read)
        entries.add(pending)
    if runs[-1]:
        entries.add(KeptRun(kind.name, name, columns, done, runs[-1]))
    return read


def _plain_runs(con, source: str, count: int, odd: list[int]) -> list[Sequence[int]]:
    """The lines of a kept file's plain rows (`source`: a table or a query of their lines, `n`;
    `count`: how many) as runs: before each odd line, and after the last. The data lines are
    every line from the first to the last (`_source`: a row of `t` per line, plain or odd), so
    each run is a `range`; the lines are fetched (an `array`, cut at the odd lines) where the
    kept rows say otherwise."""
    [(lo, hi, lines)] = con.execute("SELECT min(n), max(n), count(*) FROM t").fetchall()
    if not lines:
        return [range(0) for _run in range(len(odd) + 1)]
    if count + len(odd) == lines == hi - lo + 1:
        starts = [lo, *(line + 1 for line in odd)]
        return [range(a, b) for a, b in zip(starts, [*odd, hi + 1], strict=True)]
    got = array("i", con.execute(f"SELECT list(n ORDER BY n) FROM {source}").fetchall()[0][0] or ())
    cuts = [0, *(bisect_left(got, line) for line in odd), len(got)]
    return [got[a:b] for a, b in pairwise(cuts)]


def _read_back(reader: _TableReader, column: _Column) -> bool:
    """Whether a column of the file may be read back from its field in the kind's typed rows
    (where they tell its values, `_kept_columns`): a column of the file, the only one of its
    field, not the identity (a virtual column of the typed rows)."""
    identity = reader.kind.identity
    return (
        column.index >= 0
        and reader.names.count(column.name) == 1
        and (identity is None or column.name != identity.field)
    )


def _told_back(vals: list[Any], flags: list[int], stored: list[Any], type_: str) -> dict[Any, Any] | None:
    """A coded column's plain values by the typed value each is kept as (`stored`, of SQL
    type `type_`), so that its records' values are read back from the kind's typed rows
    instead of being kept again as codes; None when one cannot be: two plain values kept as
    one (12 and 12.0 are one DOUBLE), one kept as NULL or as NaN, or a typed value DuckDB
    gives back as another Python object (a datetime kept as a DATE)."""
    back: dict[Any, Any] = {}
    returned = _RETURNED.get(type_)
    for v, f, s in zip(vals, flags, stored, strict=True):
        if not f & 1:
            continue  # not plain: no kept row holds it
        if s is None:
            if v is not None:
                return None
        elif type(s) is not returned or s != s:
            return None
        found = back.setdefault(s, v)
        if found is not v and not (type(found) is type(v) and found == v and repr(found) == repr(v)):
            return None
    return back


# the Python type DuckDB gives back for a value of each SQL type `sqlvalues` keeps
_RETURNED = {"DOUBLE": float, "VARCHAR": str, "DATE": dt.date, "BOOLEAN": bool}


def _kept_columns(
    con, db: Database, name: str, reader: _TableReader, lookups: list[dict],
    backs: list[dict[Any, Any] | None], codes: list[str], joins: list[str], is_plain: str,
) -> tuple[Columns, str]:  # fmt: skip
    """The file's `Columns`, which make a column's values from the database when first read,
    and the query of its plain rows' lines. A column is read from the kind's typed rows
    (`Database.typed_rows`) where they tell its values: a free text is its own value, a coded
    value is told back by its typed value (`_told_back`), a constant is itself, the identity
    is joined from its alternative's fields (`_alt`). Only a column they do not tell is kept
    again, as its value's index (`lookup.get(code, code)`, as the records were made before),
    in `c_<file>` — in the bundled rules none is: every kept cell is stored once."""
    number = db.files[name]
    kind = reader.kind
    identity, names = kind.identity, reader.names
    typed = db.typed_rows(kind.name)
    own = f"FROM {typed} WHERE f = {number}"
    # per column of the file: read from the typed rows ("typed"), a constant, or kept as codes
    from_typed = {
        j
        for j, c in enumerate(reader.columns)
        if _read_back(reader, c) and (_free_text(reader, c) or backs[j] is not None)
    }
    coded = [j for j, c in enumerate(reader.columns) if c.index >= 0 and j not in from_typed]
    table = f"c_{number}"
    if coded:
        cast = ["" if _free_text(reader, reader.columns[j]) else "::INTEGER" for j in range(len(codes))]
        kept = [f"({codes[j]}){cast[j]} AS c{j}" for j in coded]
        con.execute(
            f'CREATE TABLE "{table}" AS SELECT {", ".join(kept)}, t.n::INTEGER AS n '
            f"FROM t {' '.join(joins)} WHERE {is_plain}"
        )

    def told(i: int, got: list[Any]) -> list[Any]:
        back = backs[i]
        return list(map(back.__getitem__, got)) if back is not None else got

    def fetched(column: str, source: str, order: str) -> list[Any]:
        cur = db.cursor(reopen=False)
        try:
            [(found,)] = cur.execute(f"SELECT list({column} ORDER BY {order}) {source}").fetchall()
        finally:
            cur.close()
        return found or []

    def fetch(columns: Columns, i: int) -> list[Any]:
        if i < len(names) and reader.columns[i].index < 0:  # a constant
            return [lookups[i][0]] * columns.rows
        if i in from_typed:
            return told(i, fetched(_quoted_name(names[i]), own, "line"))
        if i < len(names):  # a column kept as codes
            got = fetched(f"c{i}", f'FROM "{table}"', "n")
            return list(map(lookups[i].get, got, got))
        assert identity is not None  # the identity, joined from the fields of each row's alternative
        alts = fetched("_alt", own, "line")
        if not alts:
            return []
        fields = {f for a in set(alts) for f in identity.alternatives[a]}
        return _identities(identity, {f: columns.column(names.index(f)) for f in fields}, alts)

    def fetch_rows(columns: Columns, lines: dict[int, int]) -> dict[int, tuple[Any, ...]] | None:
        # a few rows (row -> its line; a kept row's line is its record's) made as `fetch`
        # makes them: None when one is not there
        if not names:
            return None
        wanted = [list(lines.values())]
        mine = sorted(from_typed)
        cur = db.cursor(reopen=False)
        try:
            got_typed = cur.execute(
                f"SELECT line, {''.join(_quoted_name(names[i]) + ', ' for i in mine)}"
                f"{'_alt' if identity is not None else 'NULL'} {own} "
                "AND line IN (SELECT unnest(?::INTEGER[]))",
                wanted,
            ).fetchall()
            got_codes = (
                cur.execute(
                    f'SELECT n, {", ".join(f"c{i}" for i in coded)} FROM "{table}" '
                    "WHERE n IN (SELECT unnest(?::INTEGER[]))",
                    wanted,
                ).fetchall()
                if coded
                else []
            )
        finally:
            cur.close()
        typed_of = {row[0]: row for row in got_typed}
        code_of = {row[0]: row for row in got_codes}
        if len(typed_of) != len(got_typed) or any(line not in typed_of for line in lines.values()):
            return None
        if coded and (len(code_of) != len(got_codes) or any(line not in code_of for line in lines.values())):
            return None
        picked = [typed_of[line] for line in lines.values()]
        at_typed = dict(zip(mine, list(zip(*picked, strict=True))[1:-1], strict=True))
        values: list[list[Any]] = []
        if coded:
            picked_codes = [code_of[line] for line in lines.values()]
            at_coded = dict(zip(coded, list(zip(*picked_codes, strict=True))[1:], strict=True))
        for i in range(len(names)):
            if reader.columns[i].index < 0:
                values.append([lookups[i][0]] * len(lines))
            elif i in at_typed:
                values.append(told(i, list(at_typed[i])))
            else:
                got = at_coded[i]
                values.append(list(map(lookups[i].get, got, got)))
        if identity is not None:
            alts = [row[-1] for row in picked]
            fields = {f for a in set(alts) for f in identity.alternatives[a]}
            values.append(_identities(identity, {f: values[names.index(f)] for f in fields}, alts))
        return dict(zip(lines, zip(*values, strict=True), strict=True))

    made = Columns(reader.layout, fetch, fetch_rows=fetch_rows)
    db.kept_columns(number, made)
    return made, f"(SELECT line AS n {own})"


def _keep(
    con, db: Database, name: str, kind: RecordKind, typed: dict[str, str], params: list[Any], alt: str,
    joins: list[str], is_plain: str,
) -> int:  # fmt: skip
    """The typed values of the file's plain rows (of `t`, each text joined to its judged
    value) added to its kind's table in `db`: the values its records are made of, each
    converted once per distinct value as the engine converts a record's (`sqlvalues`); the
    identity is joined from them when read (`Database.kind_table`). Gives how many."""
    number = db.files[name]
    identity = kind.identity
    # the identity is the table's virtual column (`Database.kind_table`): each row's alternative
    # is stored, from which it is joined when read
    stored = sorted(n for n in kind.fields if identity is None or n != identity.field)
    db.shapes[number] = tuple(sorted({*typed, *([identity.field] if identity is not None else [])}))
    table = db.kind_table(con, kind)
    names = ["f", "line", *(["_alt"] if identity is not None else []), *stored]
    values = [typed.get(n, f"NULL::{sql_type(kind.fields[n].type)}") for n in stored]
    made = [str(number), "t.n", *([f"({alt})::SMALLINT"] if identity is not None else []), *values]
    rows = f"SELECT {', '.join(made)} FROM t {' '.join(joins)} WHERE {is_plain}"
    columns = ", ".join(f'"{n}"' for n in names)
    [(count,)] = con.execute(f'INSERT INTO "{table}" ({columns}) {rows}', params).fetchall()
    return count


def _derived(kind: RecordKind) -> str:
    """The identity of a kept row in SQL, as `Identity.derive` makes it: the fields of the
    alternative the row meets (`_alt`; a kept row meets one, its fields all filled) joined."""
    assert kind.identity is not None
    sep = _quoted(kind.identity.join)
    made = [(i, f" || {sep} || ".join(f'"{f}"' for f in alt)) for i, alt in _possible(kind)]
    return "CASE _alt " + " ".join(f"WHEN {i} THEN {m}" for i, m in made) + " END"


def _entries(
    reader: _TableReader, found: Layout, name: str, lookups: list[dict], rows: list[tuple], read: Read
) -> None:
    """The entries of `rows` (in line order, after those already in `read`) added to `read`:
    the plain rows' records made a column at a time (no Python code per row but the classes'
    own), any other row read alone as `read_rows` reads it."""
    kind = reader.kind
    if not rows:
        return
    columns = list(zip(*rows, strict=True))
    k = len(lookups)
    lines, plains, alts, odd_texts = columns[k : k + 4]
    refs = list(map(RecordRef, repeat(name), compress(lines, plains)))
    codes = [list(compress(c, plains)) for c in columns[:k]]
    values = [list(map(lookup.get, c, c)) for lookup, c in zip(lookups, codes, strict=True)]
    if kind.identity is not None:
        by_name = dict(zip(reader.names, values, strict=True))
        values.append(_identities(kind.identity, by_name, list(compress(alts, plains))))
    rows_ = list(zip(*values, strict=True)) if values else [() for _plain in refs]
    records = list(map(dict, map(zip, repeat(reader.layout.names), rows_)))
    made: list[Record] = list(map(Record, repeat(kind.name), records, refs))
    read.loose[0] = read.loose[0] or bool(made)
    entries = read.entries
    assert isinstance(entries, list)
    if len(made) == len(rows):
        entries.extend(made)  # a record is its own entry
        return
    plain: list[Entry] = list(made)
    done = 0
    for m, i in enumerate([i for i, p in enumerate(plains) if not p]):
        entries += plain[done : i - m]  # the plain rows before this one
        done = i - m
        _read_alone(reader, found, RecordRef(name, lines[i]), odd_texts[i], entries, read)
    entries += plain[done:]


def _read_alone(
    reader: _TableReader, found: Layout, ref: RecordRef, text: str, out: list[Entry], read: Read
) -> None:
    """An odd row read alone as `read_rows` reads it, its entry added to `out` and its
    problems to `read` (a record read alone is not a kept row: `read.loose`)."""
    cells = line_cells(text, found.delimiter)
    before = len(out)
    if batched(reader.shape, len(found.header), cells):
        out.append(reader.read(cells, ref, read.problems))
    else:
        odd_row(reader.kind, reader.shape, found.header, ref, cells, out, read.problems)
    if any(e.record is not None for e in out[before:]):
        read.loose[0] = True


def _identities(identity: Identity, columns: dict[str, list[Any]], alts: list[int]) -> list[str]:
    """`Identity.derive` of each row (`columns`: the rows' values by field; `alts`: the
    alternative each row meets)."""
    derived = {}
    for alt in set(alts):
        parts = [map(str, columns[f]) for f in identity.alternatives[alt]]
        derived[alt] = (
            list(parts[0]) if len(parts) == 1 else list(map(identity.join.join, zip(*parts, strict=True)))
        )
    return derived[alts[0]] if len(derived) == 1 else [derived[a][i] for i, a in enumerate(alts)]
