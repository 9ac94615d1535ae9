"""Each record kind's order (date, then file and line) ranked by DuckDB where the kind's records
are rows the DuckDB reader kept, so that neither their dates nor their positions cross to
Python.

`Register.of_kind` is in the interpreter's order: by date (a record without one first), then by
file name and line; a kind without a date field in reading order (file, line). A kind whose
every record is a kept row of its file (a piece of one of the file's runs, `runs.KeptRun`,
unchanged by the checks across records) is ranked in SQL from its kept
rows (`s_<kind>`: the file's number, the line, the typed date), the rows dropped by the checks
(duplicates, rejections) left out; the ranking is kept as `o_<kind>` (`f`, `line`, `_rid`: the
record's position in `of_kind`), from which the compiled path loads the kind's table by a join
instead of passing every record's file and line (`engine/compiled/load.py`). A kind without
a date whose kept rows lie in reading order, none dropped, needs no ranking: a record's rank
is its row's number (`IN_PLACE`, `_in_place`). The kind's
records (`runs.KindRecords`) are only put in that order, by positions fetched as one list and
held as an array: no record is made.

Before anything is ranked, the records are proven to be what the SQL assumes: every one a
piece of a run, each file's pieces one stretch in file order with their rows in line order (so
the kept rows left out are exactly the rows between the pieces). Anything else — a record
merged or re-linked (a plain `Record`), a kind with a record read otherwise, a date field not
of dates — leaves the kind to the Python sort, which gives the same order.
"""

from __future__ import annotations

from array import array
from itertools import groupby, pairwise
from operator import itemgetter
from typing import TYPE_CHECKING

from ..model import IN_PLACE
from .runs import KindRecords

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..model import Record
    from .duckcsv import Database

_NO_DATE = "DATE '0001-01-01'"  # `readers._NO_DATE`: a record without a date sorts first


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def rank_kind(
    db: Database, kind: str, recs: Sequence[Record], date_field: str | None, date_type: str | None
) -> bool:
    """Put `recs` (the kind's records in reading order) in the interpreter's order, ranked by
    DuckDB, and keep the ranking for the kind's table (`Database.ranking`; the register says
    which kinds were ranked, `Register.ranked`). False, nothing changed, when the records are
    not exactly kept rows in reading order."""
    found = db.table(kind)
    if (
        not isinstance(recs, KindRecords)
        or recs.made
        or found is None
        or not recs
        or (date_field is not None and (date_field not in found[1] or date_type != "date"))
    ):
        return False
    runs = _runs(db, recs)
    if runs is None:
        return False
    files, gone = runs
    table = f"o_{kind}"
    con = db.cursor()
    try:
        if date_field is None and not gone and _in_place(con, found[0], files, len(recs)):
            db.ranked(kind, IN_PLACE, unread=False)
            return True
        name = {f: db.name_of(f) for f, _count in files}
        rank = {n: i for i, n in enumerate(sorted(name.values()))}  # file names in Python's order
        con.execute(
            "CREATE TEMP TABLE _files AS "
            "SELECT unnest($1::INTEGER[]) AS f, unnest($2::INTEGER[]) AS name_rank",
            [list(name), [rank[n] for n in name.values()]],
        )
        con.execute(
            "CREATE TEMP TABLE _gone AS SELECT unnest($1::INTEGER[]) AS f, unnest($2::BIGINT[]) AS at",
            [[f for f, _at in gone], [at for _f, at in gone]],
        )
        date = f"coalesce(s.{_quoted(date_field)}, {_NO_DATE})" if date_field is not None else _NO_DATE
        # each kept row's place in its file (`at`) only where some of the file's rows are gone
        at = ", row_number() OVER (PARTITION BY s.f ORDER BY s.line) - 1 AS at" if gone else ""
        present = (
            f"SELECT s.f, s.line, {date} AS d, k.name_rank{at} "
            f"FROM {_quoted(found[0])} s JOIN _files k ON s.f = k.f"
        )
        if gone:
            present = f"SELECT r.* FROM ({present}) r ANTI JOIN _gone g ON r.f = g.f AND r.at = g.at"
        # by date, then file name and line; a kind without a date stays in reading order (file,
        # line), as `assemble` leaves it. Narrow: it is held until the kind's table is loaded.
        order = "d, name_rank, line" if date_field is not None else "f, line"
        con.execute(
            f"CREATE OR REPLACE TABLE {_quoted(table)} AS SELECT f, line::INTEGER AS line, "
            f"(row_number() OVER (ORDER BY {order}) - 1)::INTEGER AS _rid FROM ({present})"
        )
        [(count,)] = con.execute(f"SELECT count(*) FROM {_quoted(table)}").fetchall()
        if count != len(recs):  # not the rows proven above: the Python sort
            con.execute(f"DROP TABLE {_quoted(table)}")
            return False
        if date_field is not None:
            # the records' places read when first asked: a compiled run never asks them
            recs.reorder(lambda: _reading_places(db, kind, table))
    finally:
        con.execute("DROP TABLE IF EXISTS _files")
        con.execute("DROP TABLE IF EXISTS _gone")
        con.close()
    db.ranked(kind, table, unread=date_field is not None)
    return True


def _in_place(con, table: str, files: list[tuple[int, int]], count: int) -> bool:
    """Whether a kind's kept rows, every one a record, are in reading order where they lie:
    each file's rows one stretch of the table's row numbers, the files in reading order, the
    first row 0, `count` in all. The rows of a file are inserted in line order (`_keep`,
    from the file's rows in order, as its line numbers are) and the files one after the
    other, so a record's rank (by file, then line) is then its row number: no ranking is
    made, and the kind's table is loaded without a join (`load._load_ranked`). A file's rows
    deleted (`Database.forget`) leave a gap, and the ranking is made."""
    stretches = con.execute(
        f"SELECT f, min(rowid), max(rowid), count(*) FROM {_quoted(table)} GROUP BY f ORDER BY 2"
    ).fetchall()
    at = 0
    for (f, first, last, n), (number, kept) in zip(stretches, files, strict=False):
        if f != number or n != kept or first != at or last - first + 1 != n:
            return False
        at = last + 1
    numbers = [f for f, _n in files]  # (a rank is by file number, then line)
    return len(stretches) == len(files) and at == count and numbers == sorted(numbers)


def _reading_places(db: Database, kind: str, table: str) -> array[int]:
    """Each ranked record's place in reading order (file, line), by rank: held as 4 bytes a
    record, not a list of ints (36 bytes each). Two sorts and a fetch of every place (a
    second for a city's largest kinds), made only when a record's place is first asked: by
    the interpreter, the explainer, a count per file of a kind of many files."""
    reading = f"SELECT _rid, row_number() OVER (ORDER BY f, line) - 1 AS g FROM {_quoted(table)}"
    con = db.cursor(reopen=False)
    try:
        [(order,)] = con.execute(f"SELECT list(g ORDER BY _rid) FROM ({reading})").fetchall()
    finally:
        con.close()
    db.ordered(kind)
    return array("i", order)


def _runs(db: Database, recs: KindRecords) -> tuple[list[tuple[int, int]], list[tuple[int, int]]] | None:
    """The files of `recs` with their number of records, in reading order, and the kept rows
    not among them (file, row); None unless every record is a row of a run (`runs.KeptRun`:
    none made) and each file's records are one stretch of its rows in file order, in line
    order."""
    pieces = recs.pieces
    if not all(isinstance(p, tuple) for p in pieces):
        return None
    numbers = db.numbers_of({p[0].columns for p in pieces})  # type: ignore[union-attr]
    if numbers is None:
        return None
    number_of = {id(c): n for n, c in numbers.items()}
    # each piece as (file, first row, row after the last) of its file's kept rows
    spans = [(number_of[id(run.columns)], run.start + j0, run.start + j1) for run, j0, j1 in pieces]  # type: ignore[misc]
    if any(a >= b for _n, a, b in spans) or any(
        x[0] > y[0] or (x[0] == y[0] and x[2] > y[1]) for x, y in pairwise(spans)
    ):
        return None  # not in file order, rows in line order
    files: list[tuple[int, int]] = []
    gone: list[tuple[int, int]] = []
    for number, group in groupby(spans, key=itemgetter(0)):
        got = list(group)
        rows = numbers[number].rows  # the file's runs are its rows 0…rows-1: the pieces within
        kept = 0
        at = 0
        for _n, a, b in got:
            gone += [(number, g) for g in range(at, a)]
            kept += b - a
            at = b
        gone += [(number, g) for g in range(at, rows)]
        files.append((number, kept))
    return files, gone
