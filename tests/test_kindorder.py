"""Each kind's order ranked by DuckDB (`registers/kindorder.py`) is the interpreter's order, and
the query tables loaded from that ranking are the tables loaded from every record's position:
folders drawn with dates shared within and across files, files shown in and out of reading
order (the persons, a kind without a date, in reading order), exact repeats (dropped rows
among the kept ones), and now and then a record merged by the checks (its kind left to the
Python sort)."""

from __future__ import annotations

import copy
import datetime as dt
import gc
import weakref
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spm_rules.engine.compiled.load import Tables
from spm_rules.model import IN_PLACE, StoredRecord
from spm_rules.registers import kindorder, readers

from .test_read_duckdb import _both, _same
from .test_read_fast import CONTRACT

TODAY = dt.date(2026, 1, 1)
DAYS = [dt.date(2018, 3, d) for d in (1, 1, 2, 9, 30)]
NIKS = ["3275014202890001", "3275015507010002", "3275010311650003"]
PTM = ["nik", "tanggal", "fasilitas", "sistolik"]


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")


@st.composite
def folders(draw):
    visit = st.tuples(st.sampled_from(NIKS), st.sampled_from(DAYS), st.sampled_from(["110", "120", "135"]))
    files = []
    for _ in range(draw(st.integers(1, 3))):
        rows = [[n, d.isoformat(), "Puskesmas 01", s] for n, d, s in draw(st.lists(visit, max_size=8))]
        rows += draw(st.lists(st.sampled_from(rows), max_size=3)) if rows else []  # repeats
        files.append(draw(st.permutations(rows)))
    # the files' names in reading order or not (`b/…` read before `a/…` would sort after it)
    names = draw(st.sampled_from([["a", "b", "c"], ["c", "b", "a"], ["b", "c", "a"]]))
    # a person written twice with the second row filling a gap: merged (a plain `Record`)
    merge = draw(st.booleans())
    return files, names[: len(files)], merge


def _write(tmp: Path, drawn) -> tuple[Path, tuple[Path, ...]]:
    files, names, merge = drawn
    folders = [tmp / name for name in names]
    for folder, rows in zip(folders, files, strict=True):
        folder.mkdir()
        _csv(folder / "kunjungan_ptm.csv", PTM, rows)
    people = [
        [n, "Nama", "P" if n[6] in "4567" else "L", "1990-01-01", "Puskesmas 01", f"L{i}"]
        for i, n in enumerate(NIKS)
    ]
    if merge:
        people.append([NIKS[0], "", people[0][2], "1990-01-01", "", "L0"])
    # the persons (a kind without a date: in reading order) spread over the folders
    for i, folder in enumerate(folders):
        _csv(
            folder / "penduduk.csv",
            ["nik", "nama", "jenis_kelamin", "tanggal_lahir", "fasilitas", "id_lokal"],
            people[i :: len(folders)],
        )
    return folders[0], tuple(folders[1:])


def _table(reg, kind: str, rank: bool) -> list[tuple]:
    tables = Tables(reg)
    try:
        ranking = reg.store.ranking if rank else (lambda kind: None)
        with mock.patch.object(reg.store, "ranking", ranking):
            tables.ensure({kind: tuple(sorted(CONTRACT.kinds[kind].fields))})
        return tables.con.execute(f'SELECT * FROM "t_{kind}" ORDER BY _rid').fetchall()
    finally:
        tables.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(folders())
def test_the_ranked_order_is_the_interpreters(tmp_path_factory, drawn):
    folder, also = _write(tmp_path_factory.mktemp("x"), drawn)
    fast, python, _taken = _both(folder, also=also)
    _same(fast, python)  # the records of each kind in the same order as the Python sort's
    visits = fast.of_kind("kunjungan_ptm")
    assert visits == sorted(visits, key=lambda r: (r.get("tanggal"), r.ref))
    for kind, recs in fast.records.items():
        ranked = fast.store.ranking(kind) if fast.ranked.get(kind) == len(recs) else None
        # every record a kept row: ranked in SQL; a merged person (a plain record): not
        assert (ranked is not None) == all(type(r) is StoredRecord for r in recs)
    # the kind's table from its ranking is the table from every record's position
    for kind in ("kunjungan_ptm", "penduduk"):
        if fast.of_kind(kind):
            fresh = readers.read_folder(folder, CONTRACT, today=TODAY, also=also)
            try:
                assert _table(fast, kind, rank=True) == _table(fresh, kind, rank=False)
            finally:
                fresh.store.close()
    fast.store.close()


def test_the_rows_dropped_are_left_out_of_the_ranking(tmp_path):
    """Exact repeats are kept rows that are no longer records: the ranking skips exactly them,
    and ranks two visits of one day by file name, then line."""
    rows = [
        [NIKS[0], "2018-03-02", "Puskesmas 01", "120"],
        [NIKS[1], "2018-03-01", "Puskesmas 01", "120"],
        [NIKS[0], "2018-03-02", "Puskesmas 01", "120"],  # a repeat of line 2
        [NIKS[2], "2018-03-01", "Puskesmas 01", "135"],
    ]
    other = [[NIKS[1], "2018-03-01", "Puskesmas 01", "110"]]
    folder, also = _write(tmp_path, ([rows, other], ["b", "a"], False))
    reg = readers.read_folder(folder, CONTRACT, today=TODAY, also=also)
    visits = reg.of_kind("kunjungan_ptm")
    assert [str(r.ref) for r in visits] == [
        "a/kunjungan_ptm.csv:2",
        "b/kunjungan_ptm.csv:3",
        "b/kunjungan_ptm.csv:5",
        "b/kunjungan_ptm.csv:2",
    ]
    assert reg.store.ranking("kunjungan_ptm") is not None
    assert reg.ranked["kunjungan_ptm"] == len(visits) == 4
    assert [row[0] for row in _table(reg, "kunjungan_ptm", rank=True)] == [0, 1, 2, 3]
    reg.store.close()


def _kept_tables(reg) -> set[str]:
    con = reg.store.cursor()
    try:
        return {
            t
            for (t,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 'kept'"
            ).fetchall()
        }
    finally:
        con.close()


def test_the_places_are_read_when_first_asked(tmp_path):
    """A compiled run loads a kind's table from its ranking and never asks its records'
    places: they are read from the ranking when first asked — here after the kept rows were
    released — and the ranking is dropped once both are done with."""
    rows = [
        [NIKS[0], "2018-03-02", "Puskesmas 01", "120"],
        [NIKS[1], "2018-03-01", "Puskesmas 01", "120"],
        [NIKS[0], "2018-03-02", "Puskesmas 01", "120"],  # a repeat of line 2
        [NIKS[2], "2018-03-01", "Puskesmas 01", "135"],
    ]
    folder, also = _write(
        tmp_path, ([rows, [[NIKS[1], "2018-03-01", "Puskesmas 01", "110"]]], ["b", "a"], False)
    )
    reg, python, _taken = _both(folder, also=also)
    try:
        assert [row[0] for row in _table(reg, "kunjungan_ptm", rank=True)] == [0, 1, 2, 3]
        assert reg.store.ranking("kunjungan_ptm") is None  # the kept rows released...
        assert "o_kunjungan_ptm" in _kept_tables(reg)  # ...the ranking kept for the places
        visits = reg.of_kind("kunjungan_ptm")
        assert [r.ref for r in visits] == [r.ref for r in python.of_kind("kunjungan_ptm")]
        assert "o_kunjungan_ptm" not in _kept_tables(reg)
        # a kind without a date is in reading order: no places to read, and its kept rows in
        # that order where they lie, no ranking made (a rank is a row number)
        assert reg.store.ranking("penduduk") == IN_PLACE
        assert "o_penduduk" not in _kept_tables(reg)
        assert [row[0] for row in _table(reg, "penduduk", rank=True)] == [0, 1, 2]
    finally:
        reg.store.close()


def test_records_not_proven_kept_rows_are_sorted_in_python(tmp_path):
    """A record copied (a `StoredRecord` of no kept file), or records out of reading order,
    are not ranked: nothing is changed and the Python sort orders them."""
    folder, also = _write(
        tmp_path,
        (
            [
                [
                    [NIKS[0], "2018-03-02", "Puskesmas 01", "120"],
                    [NIKS[1], "2018-03-01", "Puskesmas 01", "120"],
                ]
            ],
            ["a"],
            False,
        ),
    )
    reg = readers.read_folder(folder, CONTRACT, today=TODAY, also=also)
    db = reg.store
    visits = reg.of_kind("kunjungan_ptm")

    before = list(visits)
    assert not kindorder.rank_kind(db, "kunjungan_ptm", [copy.copy(visits[0]), visits[1]], "tanggal", "date")
    assert not kindorder.rank_kind(db, "kunjungan_ptm", list(visits), "tanggal", "date")  # date order
    assert not kindorder.rank_kind(db, "kunjungan_ptm", visits, "fasilitas", "string")
    assert visits == before
    db.close()


def test_a_register_is_freed_without_the_cyclic_collector(tmp_path):
    """The database knows its files' values only weakly (they reach it to fetch a column): a
    register dropped during a command, the cyclic collector resting, frees its database."""
    visits = [
        [[NIKS[0], "2018-03-02", "Puskesmas 01", "120"], [NIKS[1], "2018-03-01", "Puskesmas 01", "110"]]
    ]
    folder, also = _write(tmp_path, (visits, ["a"], False))
    enabled = gc.isenabled()
    gc.disable()
    try:
        reg = readers.read_folder(folder, CONTRACT, today=TODAY, also=also)
        assert reg.ranked and reg.of_kind("kunjungan_ptm")[0].get("sistolik") == 110
        store = weakref.ref(reg.store)
        del reg
        assert store() is None
    finally:
        if enabled:
            gc.enable()
