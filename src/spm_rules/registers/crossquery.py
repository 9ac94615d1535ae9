"""Which entries a check across records could concern, asked of the rows the DuckDB reader kept.

The checks of `crosscheck` walk every entry in Python; at city scale (12 million rows) that
walk, and the duplicate key of every record, cost more than reading the files. Where every
record of the kinds a check reads is a row the DuckDB reader kept (`Register.store`: a
`StoredRecord`, its typed values a row of its kind's table `s_<kind>`), DuckDB finds the few
entries the check could concern — a superset: the rows whose duplicate key is shared, the
services dated before the latest birth date recorded for their person, the NIKs whose digits
may not say the recorded birth date and sex — and the check itself runs in Python on those
entries only, in their order (`narrowed`). Its result is the result on every entry: each query
below says why an entry it leaves out can neither change nor change another. A kind with any
record read otherwise (XLSX, JSON Lines, Parquet, a row read alone, a file not kept) is
`loose`: a check reading it walks every entry, as before.

The checks that change records (episodes, links, the same subject) come after these and still
walk every entry.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Callable, Iterable
from typing import Any

from ..model import Entry, RowProblem
from ..sqlvalues import sql_type
from .contract import Contract
from .duckcsv import Database


def _line(e: Entry) -> int:
    return e.ref.line


def _name(field: str) -> str:
    return '"' + field.replace('"', '""') + '"'


class StoredRows:
    """The kept rows of a read, and where each is among its entries.

    `spans`: per file (as shown) its kind and the slice of `entries` its rows made, in line
    order; `loose`: the kinds with a record that is not a kept row."""

    def __init__(
        self,
        db: Database,
        entries: list[Entry],
        spans: dict[str, tuple[str | None, int, int]],
        loose: set[str],
        contract: Contract,
    ) -> None:
        self._db = db
        self._entries = entries
        self._spans = spans
        self._names = {number: name for name, number in db.files.items() if number >= 0}
        self.loose = loose
        self._contract = contract

    # -- plumbing -------------------------------------------------------------------------

    def _kept(self, kinds: Iterable[str]) -> bool:
        """Whether every record of these kinds is a kept row."""
        return not any(k in self.loose for k in kinds)

    def _table(self, kind: str) -> str | None:
        found = self._db.table(kind)
        return None if found is None else _name(found[0])

    def _rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[int, int]]:
        con = self._db.cursor()
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def positions(self, rows: Iterable[tuple[int, int]]) -> list[int]:
        """The entries of kept rows given by file number and line, in entry order."""
        entries, out = self._entries, []
        for number, line in rows:
            _kind, start, stop = self._spans[self._names[number]]
            i = bisect_left(entries, line, start, stop, key=_line)
            assert i < stop and entries[i].ref.line == line, (number, line)
            out.append(i)
        return sorted(set(out))

    def whole(self, kinds: set[str]) -> list[int]:
        """Every entry of the files of these kinds."""
        return [i for kind, start, stop in self._spans.values() if kind in kinds for i in range(start, stop)]

    # -- the checks ---------------------------------------------------------------------

    def nik_doubts(self, today: dt.date) -> list[int] | None:
        """Person rows whose NIK's digits may not say the recorded birth date or sex: any NIK
        not of 16 digits, a date the digits do not make, or a date or sex other than the
        recorded one (`values.nik_birth_and_sex`, its century as `_century` chooses it). A row
        left out has a NIK of 16 digits saying exactly its birth date and sex: no warning."""
        pk = self._contract.person_kind
        if pk is None or pk.person_register is None:
            return []
        if not self._kept([pk.name]):
            return None
        table = self._table(pk.name)
        if table is None:
            return []
        spec = pk.person_register
        nik, born, sex = _name(spec.nik), _name(spec.birth), _name(spec.sex)
        if sql_type(pk.fields[spec.birth].type) != "DATE":
            return None
        rows = self._rows(
            f"""WITH p AS (
                  SELECT f, line, {nik} AS n, {born} AS born, {sex} AS sex,
                         regexp_full_match({nik}, '[0-9]{{16}}') AS digits,
                         TRY_CAST(substr({nik}, 7, 2) AS INTEGER) AS dd,
                         TRY_CAST(substr({nik}, 9, 2) AS INTEGER) AS mm,
                         TRY_CAST(substr({nik}, 11, 2) AS INTEGER) AS yy
                  FROM {table} WHERE {nik} IS NOT NULL AND {nik} <> ''),
                q AS (
                  SELECT *, CASE WHEN dd > 40 THEN 'P' ELSE 'L' END AS said_sex,
                         try(make_date(CASE WHEN 2000 + yy <= $1 THEN 2000 + yy ELSE 1900 + yy END, mm,
                                       CASE WHEN dd > 40 THEN dd - 40 ELSE dd END)) AS said_born
                  FROM p)
                SELECT f, line FROM q
                WHERE NOT digits OR said_born IS NULL OR said_born IS DISTINCT FROM born
                   OR said_sex IS DISTINCT FROM sex::VARCHAR""",
            [today.year],
        )
        return self.positions(rows)

    def before_birth(self) -> list[int] | None:
        """Services dated before the latest birth date recorded for their person, and every
        person row of those persons. `reject_before_birth` takes a person's first recorded
        birth date, which is never after the latest: a service left out is not before it; the
        person rows it reads for the services kept are all there, in their order."""
        contract = self._contract
        pk = contract.person_kind
        if pk is None or pk.person_register is None or pk.identity is None:
            return []
        checked = {
            k.name: (k.identity.field, k.date_field)
            for k in contract.kinds.values()
            if k.identity is not None and k.person_register is None and k.date_field is not None
        }
        if not self._kept([pk.name, *checked]):
            return None
        people = self._table(pk.name)
        if people is None:
            return []
        who, birth = _name(pk.identity.field), _name(pk.person_register.birth)
        births = (
            f"SELECT {who} AS who, max({birth}) AS born FROM {people} WHERE {birth} IS NOT NULL GROUP BY who"
        )
        found: list[tuple[int, int]] = []
        for kind, (person, day) in sorted(checked.items()):
            table = self._table(kind)
            if table is None:
                continue
            found += self._rows(
                f"""WITH b AS ({births}),
                    c AS (SELECT s.f, s.line, s.{_name(person)} AS who FROM {table} s
                          JOIN b ON s.{_name(person)} IS NOT DISTINCT FROM b.who
                          WHERE s.{_name(day)} < b.born)
                    SELECT f, line FROM c
                    UNION ALL
                    SELECT p.f, p.line FROM {people} p
                    WHERE EXISTS (SELECT 1 FROM c WHERE c.who IS NOT DISTINCT FROM p.{who})"""
            )
        return self.positions(found)

    def duplicates(self) -> list[int]:
        """Rows whose duplicate key (`mark_duplicates`: the kind, the file's field names, each
        value's text) may be another row's: rows of the same fields with the same hash of
        their values, text columns with None as the text 'None' (the key's `str(None)`). Two
        rows with one key have the same values of each type, and so the same hash; a row left
        out shares its key with no other. Every entry of a loose kind is given."""
        loose = self.loose
        out = self.whole(loose) if loose else []
        kinds = {kind for kind, _start, _stop in self._spans.values() if kind is not None} - loose
        shapes: dict[tuple[str, ...], int] = {}
        files = {number: shapes.setdefault(shape, len(shapes)) for number, shape in self._db.shapes.items()}
        found: list[tuple[int, int]] = []
        for kind in sorted(kinds):
            table = self._table(kind)
            if table is None or not files:
                continue
            fields = self._contract.kinds[kind].fields
            values = [
                f"coalesce({_name(n)}::VARCHAR, 'None')" if sql_type(spec.type) == "VARCHAR" else _name(n)
                for n, spec in sorted(fields.items())
            ]
            shape_of = "CASE f " + " ".join(f"WHEN {n} THEN {s}" for n, s in files.items()) + " END"
            found += self._rows(
                f"""WITH h AS (SELECT f, line, hash({shape_of}, {", ".join(values)}) AS h FROM {table})
                    SELECT f, line FROM h WHERE h IN (SELECT h FROM h GROUP BY h HAVING count(*) > 1)"""
            )
        return sorted(set(out) | set(self.positions(found)))


def narrowed(
    check: Callable[..., tuple[list[Entry], list[RowProblem]]],
    entries: list[Entry],
    positions: list[int] | None,
    *args: Any,
) -> tuple[list[Entry], list[RowProblem]]:
    """`check` on the entries at `positions` (every entry when None), its entries put back in
    their places (`entries` changed in place)."""
    if positions is None:
        return check(entries, *args)
    out, problems = check([entries[i] for i in positions], *args)
    for i, e in zip(positions, out, strict=True):
        entries[i] = e
    return entries, problems
