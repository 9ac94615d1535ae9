"""The register's records as DuckDB tables, one per record kind, loaded once per session.

Where the reader kept the typed rows of a CSV file (`Register.store`), a kind's table is
made from them: joined to the kind's ranking, when DuckDB ranked the kind's records as the
register was assembled (`registers/kindorder.py`: nothing crosses from Python; at full scale
the twelve services' tables load in about 3 s instead of 18 s), else to each record's position
passed with its file and line (two integers per record); the kept rows of the kind are then
released. Any other record's values are
passed as Python lists and unnested in one statement (no Arrow, no pandas), about 350.000
rows/s for three columns. `_rid` is the record's position in `Register.of_kind`, i.e. the
interpreter's order (date, then reading order), so first/last and every verdict map back to
the record.
"""

from __future__ import annotations

from itertools import repeat
from operator import attrgetter
from typing import Any

import duckdb

from ...model import IN_PLACE, Record, Register, StoredRecord, TypedRows
from ...sqlvalues import column, sql_type
from .compiler import table_name

_REF, _FILE, _LINE = attrgetter("ref"), attrgetter("file"), attrgetter("line")


def _columns(recs: list, names: list[str]) -> list[tuple[Any, ...]]:
    """The fields `names` of every record, one tuple per field: the records are read once
    (one tuple per record, then turned), not once per field."""
    if not recs or not names:
        return [() for _ in names]
    return list(zip(*[tuple(map(r.get, names)) for r in recs], strict=True))


def one_row_each(con: Any, table: str, n: int) -> tuple[int, bool]:
    """How many rows `table` has, and whether its `_rid`s are 0…n-1, each once: counted, and
    their bits set in one bit string (`bitstring_agg`, ten times faster than counting the
    distinct values of millions of rows)."""
    if n == 0:
        [(count,)] = con.execute(f"SELECT count(*) FROM {table}").fetchall()
        return count, count == 0
    [(count, low, high, bits)] = con.execute(
        f"SELECT count(*), min(_rid), max(_rid), "
        f"bit_count(bitstring_agg(_rid, 0, {n - 1}) FILTER (WHERE _rid BETWEEN 0 AND {n - 1})) FROM {table}"
    ).fetchall()
    return count, count == n and (low, high) == (0, n - 1) and bits == n


class Tables:
    """A DuckDB connection holding the register's kinds as tables, with the columns asked for.

    `wanted`: the columns every standard of the run will read, per kind (Evaluation.plan), so
    that each kind is loaded once with just those; a query that reads a column not loaded yet
    has its kind loaded again with it (correct, only slower).

    When the reader kept the typed rows of its CSV files (`Register.store`), the tables are
    made in that database, and a record read from one of them (a `StoredRecord`) is taken from
    its row there: only its file and line are passed from Python. Any other record (another
    format, a row read alone, a record merged or re-linked after reading) is passed with its
    values, as it is without a store."""

    def __init__(
        self,
        register: Register,
        connection: duckdb.DuckDBPyConnection | None = None,
        wanted: dict[str, set[str]] | None = None,
    ):
        self.register = register
        store = register.store
        self._store = store if connection is None else None
        if connection is not None:
            self.con = connection
        else:
            self.con = store.cursor() if store is not None else duckdb.connect()
        # DuckDB draws a progress bar on stdout for long queries: it would corrupt JSON output
        self.con.execute("SET enable_progress_bar = false")
        self._loaded: dict[str, set[str]] = {}
        self._wanted = wanted or {}

    def ensure(self, columns: dict[str, tuple[str, ...]]) -> None:
        """Load every kind a query reads with the columns it reads (and those the rest of the
        run will read), unless they are there already."""
        for kind, cols in columns.items():
            fields = self.register.contract.kinds[kind].fields
            need = {c for c in (*cols, *self._wanted.get(kind, ())) if c in fields}
            loaded = self._loaded.get(kind)
            if loaded is None or not need <= loaded:
                self._load(kind, need | (loaded or set()))

    def _load(self, kind: str, names_wanted: set[str]) -> None:
        names = sorted(names_wanted)
        recs = self.register.of_kind(kind)
        stored = self._store.table(kind) if self._store is not None else None
        from_kept = stored is not None and set(names) <= stored[1]
        if from_kept and any(
            load(kind, names, recs, stored[0]) for load in (self._load_ranked, self._load_stored)
        ):
            self._loaded[kind] = set(names)
            return
        # a parameter typed as a list (`$2::DATE[]`) is converted about twice as fast as the
        # unnested values cast one by one
        select, params = self._values_select(kind, names, recs, list(range(len(recs))), 1)
        self.con.execute(f'CREATE OR REPLACE {self._temp}TABLE "{table_name(kind)}" AS {select}', params)
        self._loaded[kind] = set(names)

    @property
    def store(self) -> TypedRows | None:
        """The register's typed rows when the tables are made in their database (which
        outlives this session: a query's rows may be kept there for later)."""
        return self._store

    @property
    def _temp(self) -> str:
        # in the reader's database the tables are this session's own, dropped when it closes
        return "TEMP " if self._store is not None else ""

    def _values_select(
        self, kind: str, names: list[str], recs: list[Record], rids: list[int], first: int
    ) -> tuple[str, list[list[Any]]]:
        """`SELECT` of the records `rids` (positions in `recs`) with their values passed as
        lists, the parameters numbered from `first`."""
        spec = self.register.contract.kinds[kind].fields
        chosen = recs if len(rids) == len(recs) else [recs[i] for i in rids]
        select = [f"unnest(${first}::BIGINT[]) AS _rid"]
        params: list[list[Any]] = [rids]
        for i, (name, values) in enumerate(zip(names, _columns(chosen, names), strict=True), start=first + 1):
            ftype = spec[name].type
            params.append(column(values, ftype))
            select.append(f'unnest(${i}::{sql_type(ftype)}[]) AS "{name}"')
        return "SELECT " + ", ".join(select), params

    def _load_ranked(self, kind: str, names: list[str], recs: list[Record], source: str) -> bool:
        """The kind's table from the reader's typed rows joined to the kind's ranking, made
        by DuckDB when the register was assembled (`registers/kindorder.py`): no value or
        position crosses from Python. False (nothing made) when the kind was not ranked so."""
        ranked = self.register.ranked.get(kind) == len(recs)
        ranking = self._store.ranking(kind) if self._store is not None and ranked else None
        if ranking is None:
            return False
        table = table_name(kind)
        cols = "".join(f', s."{n}"' for n in names)
        if ranking == IN_PLACE:  # in reading order where they lie: the rank is the row number
            select = f'SELECT s.rowid::BIGINT AS _rid{cols} FROM "{source}" s'
        else:
            select = (
                f'SELECT o._rid::BIGINT AS _rid{cols} FROM "{ranking}" o '
                f'JOIN "{source}" s ON s.f = o.f AND s.line = o.line'
            )
        self.con.execute(f'CREATE OR REPLACE TEMP TABLE "{table}" AS {select}')
        return self._made_whole(kind, table, recs)

    def _made_whole(self, kind: str, table: str, recs: list[Record]) -> bool:
        """Whether the kind's table holds one row per record (`_rid` 0…n-1 each once); its
        kept rows are then released."""
        if one_row_each(self.con, f'"{table}"', len(recs))[1]:
            # the kept rows have given what this run reads (`wanted`): a later load of the kind,
            # or another run on the register, passes the values (the rows stay for the records'
            # values, `Database.typed_rows`; the ranking's memory is freed)
            if self._store is not None:
                self._store.release(kind)
            return True
        return False

    def _load_stored(self, kind: str, names: list[str], recs: list[Record], source: str) -> bool:
        """The kind's table from the reader's typed rows (joined by file and line) and the
        values of the records that have none; False (nothing made) when the rows found are
        not one per record."""
        files = self._store.files if self._store is not None else {}
        # a column at a time through C-level maps (a city's kind has millions of records)
        refs = list(map(_REF, recs))
        where = list(map(files.get, map(_FILE, refs), repeat(-1)))
        lines = list(map(_LINE, refs))
        if set(map(type, recs)) != {StoredRecord}:  # a record not kept has no row to join
            where = [f if type(r) is StoredRecord else -1 for r, f in zip(recs, where, strict=True)]
        others = [i for i, f in enumerate(where) if f < 0]
        table = table_name(kind)
        self.con.execute(
            f'CREATE OR REPLACE TEMP TABLE "{table}_p" AS SELECT unnest(range($1)) AS _rid, '
            "unnest($2::INTEGER[]) AS f, unnest($3::BIGINT[]) AS line",
            [len(recs), where, lines],
        )
        cols = "".join(f', s."{n}"' for n in names)
        select = f'SELECT p._rid{cols} FROM "{table}_p" p JOIN "{source}" s ON s.f = p.f AND s.line = p.line'
        if others:
            rest, params = self._values_select(kind, names, recs, others, 1)
            self.con.execute(f'CREATE OR REPLACE TEMP TABLE "{table}_o" AS {rest}', params)
            select += f' UNION ALL SELECT * FROM "{table}_o"'
        self.con.execute(f'CREATE OR REPLACE TEMP TABLE "{table}" AS {select}')
        for helper in ("p", "o"):
            self.con.execute(f'DROP TABLE IF EXISTS "{table}_{helper}"')
        return self._made_whole(kind, table, recs)

    def close(self) -> None:
        self.con.close()
