"""The typed rows a CSV reader keeps (`Register.store`, docs/performance.md) give the compiled
path's tables exactly the values its records hold: for every kind and every field, the table
loaded from the kept rows (joined by file and line) equals the table loaded from the records'
own values — on the bundled sample, the worked examples, a generated city and generated
tables with bad cells, mapped codes and constants; a record changed after reading (merged,
re-linked) is loaded from its values, never from the row it was read from."""

from __future__ import annotations

import copy
from pathlib import Path
from unittest import mock

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spm_rules import model
from spm_rules.api import open_register, prepare_data
from spm_rules.engine.compiled import Tables
from spm_rules.model import Columns, Layout, Record, RecordRef, Register, StoredRecord, field_column
from spm_rules.registers import duckcsv, readers
from spm_rules.registers.tables import BROKEN

from .test_read_duckdb import _write
from .test_read_fast import CONTRACT, TODAY, _city, tables

ROOT = Path(__file__).resolve().parents[1]
# H is the full-size example (345.000 people): read whole in other tests, its kinds are here
# the same as the generated city's
EXAMPLES = sorted(p for p in (ROOT / "reports_in" / "contoh-2019").iterdir() if p.name != "H")


def _tables(register: Register) -> tuple[dict[str, list[tuple]], dict[str, list[tuple]]]:
    """Every kind with every field, loaded from the kept rows and from the records' values."""
    kept = Tables(register)
    values = Tables(register, connection=duckdb.connect())
    out: tuple[dict[str, list[tuple]], dict[str, list[tuple]]] = ({}, {})
    try:
        for kind in register.records:
            fields = set(register.contract.kinds[kind].fields)
            for tables, found in zip((kept, values), out, strict=True):
                tables._load(kind, fields)
                columns = ", ".join(f'"{f}"' for f in sorted(fields))
                query = f'SELECT _rid, {columns} FROM "t_{kind}" ORDER BY _rid'
                found[kind] = tables.con.execute(query).fetchall()
    finally:
        kept.close()
        values.close()
    return out


def _same(register: Register) -> None:
    assert register.store is not None
    kept, values = _tables(register)
    for kind in values:
        assert kept[kind] == values[kind], kind
        assert [r[0] for r in kept[kind]] == list(range(len(register.of_kind(kind))))


def _stored(register: Register, kind: str) -> int:
    return sum(type(r) is StoredRecord for r in register.of_kind(kind))


def test_the_bundled_sample_loads_the_same():
    register = open_register(ROOT / "reports_in" / "sample", CONTRACT)
    _same(register)
    assert _stored(register, "kunjungan_anc") == len(register.of_kind("kunjungan_anc"))


@pytest.mark.parametrize("folder", EXAMPLES, ids=lambda p: p.name)
def test_every_worked_example_loads_the_same(folder):
    _same(open_register(prepare_data(folder), CONTRACT))


def test_a_generated_city_loads_the_same(tmp_path):
    register = open_register(_city(tmp_path), CONTRACT)
    _same(register)
    # every kind is kept, pendaftaran_sekolah too: its identity's second alternative names a
    # facility the kind has not, never met (`duckcsv._possible`)
    for kind in register.records:
        assert _stored(register, kind) > 0, kind


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(tables(), st.sampled_from([",", ";"]), st.booleans())
def test_generated_tables_load_the_same(tmp_path, table, delimiter, crlf):
    """Bad dates, numbers and NIKs, not-done spellings, mapped codes and constants, odd rows
    read alone: each record's loaded values are its own, however it was read."""
    kind, header, numbered, table_map = table
    body = [row if row != [BROKEN] else ["1"] for _line, row in numbered]
    if delimiter == ";" and header.count(";") <= header.count(","):
        header = [h.replace(",", "") for h in header]
    path = tmp_path / "t.csv"
    _write(path, header, body, delimiter=delimiter, crlf=crlf, bom=False, tail=True)
    database = duckcsv.Database(keep=True)
    read = duckcsv.read_csv_duckdb(path, "t.csv", 1, kind, table_map, TODAY, database=database)
    # keeping the rows never leaves a file to the Python readers
    assert (read is None) == (duckcsv.read_csv_duckdb(path, "t.csv", 1, kind, table_map, TODAY) is None)
    if read is None:
        database.close()
        return
    entries, problems, _loose, _digest = read
    register = readers.assemble(entries, problems, [("t.csv", kind.name)], CONTRACT, TODAY)
    register.store = database
    try:
        _same(register)
    finally:
        database.close()


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(tables(), st.data())
def test_a_few_rows_fetched_alone_are_the_rows_of_the_columns(tmp_path, table, data):
    """`model.prefetch` (the checks across records read a few records of large files) makes
    each record's values as the whole columns make them: mapped codes, constants, the
    identity of either alternative."""
    kind, header, numbered, table_map = table
    body = [row if row != [BROKEN] else ["1"] for _line, row in numbered]
    path = tmp_path / "t.csv"
    _write(path, header, body, delimiter=",", crlf=False, bom=False, tail=True)
    made = []
    for _read in range(2):
        database = duckcsv.Database(keep=True)
        read = duckcsv.read_csv_duckdb(path, "t.csv", 1, kind, table_map, TODAY, database=database)
        if read is None:
            database.close()
            return
        made.append((database, [e.record for e in read.entries if type(e.record) is StoredRecord]))
    (one, alone), (other, whole) = made
    try:
        chosen = sorted(data.draw(st.sets(st.integers(0, max(len(alone) - 1, 0)))) if alone else [])
        with mock.patch.object(model, "SPARSE_SHARE", 1):  # any share of rows is few here
            model.prefetch([alone[i] for i in chosen])
        for i in chosen:
            assert alone[i]._columns._some is not None and alone[i]._at in alone[i]._columns._some
        assert [r.values for r in alone] == [r.values for r in whole]
    finally:
        one.close()
        other.close()


def test_a_record_changed_after_reading_is_loaded_from_its_values(tmp_path):
    """The same NIK twice in the person register: the first row's empty field is filled from
    the second (`merge_same_subject`); the merged record is a plain `Record` and its table row
    holds the filled value, not the empty cell it was read with."""
    header = ["nik", "nama", "tanggal_lahir", "jenis_kelamin", "fasilitas", "wilayah"]
    rows = [
        ["3275014202890001", "Siti", "1989-02-02", "P", "Puskesmas 01", ""],
        ["3275014202890001", "Siti", "1989-02-02", "P", "Puskesmas 01", "Kel. Melati"],
        ["3275010101900001", "Budi", "1990-01-01", "L", "Puskesmas 02", "Kel. Mawar"],
    ]
    _write(tmp_path / "penduduk.csv", header, rows, delimiter=",", crlf=False, bom=False, tail=True)
    register = open_register(tmp_path, CONTRACT)
    people = register.of_kind("penduduk")
    merged = [r for r in people if r.values.get("nik") == "3275014202890001"]
    assert len(merged) == 1 and type(merged[0]) is Record
    assert merged[0].values.get("wilayah") == "Kel. Melati"
    assert [type(r) for r in people if r is not merged[0]] == [StoredRecord]
    _same(register)


def test_a_name_read_twice_is_not_kept():
    """Rows are told apart by file and line: a second file under a name already read makes
    both unusable (their records are then loaded from their values)."""
    database = duckcsv.Database(keep=True)
    assert database.number("a.csv") == 0
    assert database.number("b.csv") == 1
    assert database.number("a.csv") is None
    assert database.files == {"a.csv": -1, "b.csv": 1}


def test_nothing_kept_means_no_store(tmp_path):
    """A folder without a CSV DuckDB reads (a JSONL register) has no store, and its tables are
    loaded from the values as before."""
    (tmp_path / "penduduk.jsonl").write_text(
        '{"nik": "3275010101900001", "nama": "Budi", "tanggal_lahir": "1990-01-01", '
        '"jenis_kelamin": "L", "fasilitas": "Puskesmas 02"}\n',
        encoding="utf-8",
    )
    register = open_register(tmp_path, CONTRACT)
    assert register.store is None and len(register.of_kind("penduduk")) == 1


def test_a_mapped_file_with_a_constant_in_its_identity(tmp_path):
    """Local headers and codes, the header on the third line, the facility a mapping constant
    that is also part of the identity (`fasilitas#id_lokal`) of rows without a NIK."""
    (tmp_path / "mapping.yaml").write_text(
        "tables:\n"
        "  - match: ptm_lokal.csv\n"
        "    kind: kunjungan_ptm\n"
        "    header_row: 3\n"
        "    columns: {NIK: nik, RM: id_lokal, TGL: tanggal, EDU: edukasi}\n"
        "    constants: {fasilitas: Puskesmas 01}\n"
        "    values: {edukasi: {Y: ya, N: tidak, X: null}}\n",
        encoding="utf-8",
    )
    (tmp_path / "ptm_lokal.csv").write_text(
        "Laporan PTM\n\nNIK;RM;TGL;EDU\n3275014202890001;;2018-03-12;Y\n;RM-7;2018-04-12;X\n"
        "3275014202890001;;2018-05-12;Q\n",
        encoding="utf-8",
    )
    register = open_register(tmp_path, CONTRACT)
    visits = register.of_kind("kunjungan_ptm")
    assert [type(r) for r in visits] == [StoredRecord, StoredRecord, Record]  # the last read alone
    assert visits[1].values["id_orang"] == "Puskesmas 01#RM-7"
    # the identity is joined when read, from the alternative each row meets: not stored
    con = register.store.cursor()
    [(sql,)] = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 's_kunjungan_ptm'").fetchall()
    assert "id_orang VARCHAR GENERATED ALWAYS" in sql
    rows = con.execute("SELECT line, id_orang FROM s_kunjungan_ptm ORDER BY line").fetchall()
    assert rows == [(4, "3275014202890001"), (5, "Puskesmas 01#RM-7")]
    con.close()
    _same(register)


_FIELD_VALUES = st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=3))


@st.composite
def _records(draw):
    """Stored records of up to three tables (a field at another place in each, or absent;
    their columns made when first read), with plain records among them or not; with each
    record, the values it was drawn with."""
    tables = []
    for _ in range(draw(st.integers(1, 3))):
        layout = Layout(tuple(draw(st.permutations(["a", "b", "c"]))[: draw(st.integers(0, 3))]))
        rows = draw(st.lists(st.tuples(*[_FIELD_VALUES for _ in layout.names]), min_size=1, max_size=6))
        made = Columns.of_rows(layout, rows)
        tables.append((Columns(layout, lambda _c, i, m=made: m.column(i), rows=len(rows)), rows))
    recs: list[tuple[Record, dict]] = []
    for line in range(draw(st.integers(0, 12))):
        ref = RecordRef("f.csv", line + 2)
        if draw(st.booleans()) and draw(st.booleans()):
            values = {"a": draw(_FIELD_VALUES)}
            recs.append((Record("k", values, ref), values))
        else:
            table, rows = draw(st.sampled_from(tables))
            at = draw(st.integers(0, table.rows - 1))
            values = dict(zip(table.layout.names, rows[at], strict=True))
            recs.append((StoredRecord("k", table, at, ref), values))
    return recs


@settings(suppress_health_check=[HealthCheck.too_slow])  # slow to draw on a busy machine, not wrong
@given(_records(), st.sampled_from(["a", "b", "c", "zz"]))
def test_a_field_read_a_column_at_a_time_is_each_records_value(drawn, name):
    recs = [r for r, _values in drawn]
    for r, values in drawn:  # each record's values are the row it was made from
        assert r.values == values and r.get(name) == values.get(name)
    assert field_column(recs, name) == [values.get(name) for _r, values in drawn]
    for r in recs:  # a copy is the record alone, with the same values
        for made in (copy.copy(r), copy.deepcopy(r)):
            assert type(made) is type(r) and made.kind == r.kind and made.ref == r.ref
            assert made.values == r.values


def test_an_identity_joined_from_itself_is_not_kept(tmp_path):
    """The kept table's identity is a virtual column of the fields it joins: an identity
    that is one of its own alternatives' fields cannot be one, so the file is read without
    keeping its rows — to the same records as the Python readers make."""
    import dataclasses
    import datetime as dt

    from spm_rules.registers.contract import Identity

    kind = dataclasses.replace(
        CONTRACT.kinds["kunjungan_ptm"], identity=Identity("id_lokal", (("nik",), ("fasilitas", "id_lokal")))
    )
    assert not duckcsv._storable(kind) and duckcsv._storable(CONTRACT.kinds["kunjungan_ptm"])
    path = tmp_path / "k.csv"
    path.write_text(
        "nik,tanggal,fasilitas,id_lokal\n"
        "3275014202890001,2018-03-12,Puskesmas 01,\n,2018-04-12,Puskesmas 01,RM-7\n",
        encoding="utf-8",
    )
    database = duckcsv.Database(keep=True)
    try:
        read = duckcsv.read_csv_duckdb(path, "k.csv", 1, kind, None, dt.date(2019, 6, 30), database=database)
        assert read is not None and not database.kept
        assert [e.record.values["id_lokal"] for e in read.entries] == [
            "3275014202890001",
            "Puskesmas 01#RM-7",
        ]
    finally:
        database.close()


def test_free_texts_are_read_from_the_typed_rows_even_once_released():
    """A kept file's free texts (a NIK, a name) are not kept twice: its records read them
    from the kind's typed rows, which stay for that when the kind's query table is loaded
    (its rows released) — the records' values are still the Python readers'."""
    folder = ROOT / "reports_in" / "sample"
    register = open_register(folder, CONTRACT)
    con = register.store.cursor()
    number = register.store.files[next(n for n in register.store.files if n.endswith("penduduk.csv"))]
    [(width,)] = con.execute(
        f"SELECT count(*) FROM duckdb_columns() WHERE database_name = 'kept' AND table_name = 'c_{number}'"
    ).fetchall()
    con.close()
    layout = register.of_kind("penduduk")[0]._columns.layout
    assert width < len(layout.names) + 2  # fewer columns than the file's, the alternative and the line
    _same(register)  # every kind's table loaded: its kept rows released
    assert register.store.table("penduduk") is None
    with mock.patch.object(readers, "read_csv_duckdb", lambda *a, **k: None):
        python = open_register(folder, CONTRACT)
    for kind, recs in python.records.items():
        assert [r.values for r in register.of_kind(kind)] == [r.values for r in recs], kind
