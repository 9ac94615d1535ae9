"""The DuckDB reader of CSV registers (`registers/duckcsv.py`) gives exactly the entries
(records with the same value types and texts), problems and line numbers as the Python readers
(`tables.read_csv` then `rows.read_rows`), and leaves to them every file it is not sure of:
quotes, Latin-1, a lone CR, NUL."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from pathlib import Path
from unittest import mock

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spm_rules import model
from spm_rules.limits import DEFAULT_LIMITS
from spm_rules.model import StoredRecord
from spm_rules.registers import castcells, csvscan, duckcsv, readers, rows
from spm_rules.registers.tables import BROKEN, _delimiter, read_csv

from .test_read_fast import CONTRACT, TODAY, _city, normal, tables

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = sorted({p.parent for p in (ROOT / "reports_in").rglob("*.csv")})


def _both(folder: Path, today: dt.date = TODAY, also: tuple[Path, ...] = ()):
    """`read_folder` through DuckDB, and through the Python readers alone; how many files the
    DuckDB reader took."""
    taken = []
    real = duckcsv.read_csv_duckdb

    def counting(*args, **kwargs):
        out = real(*args, **kwargs)
        taken.append(out is not None)
        return out

    with mock.patch.object(readers, "read_csv_duckdb", counting):
        fast = readers.read_folder(folder, CONTRACT, today=today, also=also)
    with mock.patch.object(readers, "read_csv_duckdb", lambda *a, **k: None):
        python = readers.read_folder(folder, CONTRACT, today=today, also=also)
    return fast, python, sum(taken)


def _same(fast, python) -> None:
    assert normal(fast.entries) == normal(python.entries)
    assert fast.problems == python.problems
    assert fast.sources == python.sources
    assert {k: normal_records(v) for k, v in fast.records.items()} == {
        k: normal_records(v) for k, v in python.records.items()
    }


def normal_records(records) -> list[tuple]:
    return [(r.ref, [(k, type(v).__name__, repr(v)) for k, v in r.values.items()]) for r in records]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_worked_example_reads_the_same(folder):
    fast, python, taken = _both(folder)
    _same(fast, python)
    # every CSV register of a known kind is taken, but one with quotes (`"11,8"`); a file of
    # an unknown kind is rejected whole by the Python readers
    known = [p for p in folder.glob("*.csv") if CONTRACT.kind(p.stem)]
    assert taken == sum(1 for p in known if b'"' not in p.read_bytes()) > 0
    assert fast.entries


def test_a_generated_city_reads_the_same(tmp_path):
    fast, python, taken = _both(_city(tmp_path))
    _same(fast, python)
    assert taken == len(list(tmp_path.glob("*.csv"))) > 10
    assert len(fast.entries) > 1000
    for path in sorted(tmp_path.glob("*.csv"))[:6]:
        for keep in (True, False):
            with duckcsv.Database(keep=keep) as db:
                read = duckcsv.read_csv_duckdb(
                    path, path.name, 1, CONTRACT.kinds[path.stem], None, TODAY, database=db
                )
            assert read is not None and any(e.record is not None for e in read.entries)
            _loose_is_said(read)
            assert read.loose == [not keep]


def _write(path: Path, header: list[str], body, *, delimiter: str, crlf: bool, bom: bool, tail: bool) -> None:
    end = "\r\n" if crlf else "\n"
    lines = [delimiter.join(header)] + [delimiter.join(row) for row in body]
    text = end.join(lines) + (end if tail else "")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))


def _python(path: Path, kind, table_map, header_row: int = 1):
    [table] = read_csv(path, path.name, header_row)
    assert not table.problems
    return rows.read_rows(kind, table.header, table.rows, path.name, TODAY, table_map)


EXTRA = st.sampled_from([[], [""], [" "], ["", "", ""], ["\t", " "], ["x"], ["1", "2"]])


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    tables(),
    st.sampled_from([",", ";"]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.lists(st.tuples(st.integers(0, 40), EXTRA), max_size=4),
    st.booleans(),
    st.sampled_from([1, 3, duckcsv.CHUNK_ROWS]),
    st.booleans(),
)
def test_generated_tables_read_the_same(
    tmp_path, table, delimiter, crlf, bom, tail, inserted, split, chunk, keep
):
    """Bad dates, numbers and NIKs, not-done spellings, mapped codes and constants, blank and
    whitespace lines, `,,,,` rows, short and long rows (a cell holding the delimiter), CRLF,
    BOM, with or without a last line end; the lines read by DuckDB's CSV reader or (`split`,
    and whenever that reader does not take them) split by string functions; the rows fetched
    one, three or many at a time; the plain rows kept (`keep`: each record's values made from
    the kept codes when first read, `model.Columns`) or made at once."""
    kind, header, numbered, table_map = table
    body = [row if row != [BROKEN] else ["1"] for _line, row in numbered]
    for at, row in inserted:
        body.insert(min(at, len(body)), row)
    if delimiter == ";" and header.count(";") <= header.count(","):
        header = [h.replace(",", "") for h in header]
    path = tmp_path / "t.csv"
    _write(path, header, body, delimiter=delimiter, crlf=crlf, bom=bom, tail=tail)
    columns = (lambda *a: False) if split else duckcsv._columns_table
    with (
        mock.patch.object(duckcsv, "_columns_table", columns),
        mock.patch.object(duckcsv, "CHUNK_ROWS", chunk),
    ):
        database = duckcsv.Database(keep=True) if keep else None
        fast = duckcsv.read_csv_duckdb(path, path.name, 1, kind, table_map, TODAY, database=database)
    try:
        _same_as_python(path, kind, table_map, body, fast)
    finally:
        if database is not None:
            database.close()


def _same_as_python(path, kind, table_map, body, fast) -> None:
    [raw] = read_csv(path, path.name)
    python = rows.read_rows(kind, raw.header, raw.rows, path.name, TODAY, table_map)
    if fast is None:  # left to the Python readers: only for what the DuckDB reader does not take
        shape = rows.table_shape(kind, raw.header, path.name, table_map)
        reader = rows._TableReader(kind, shape, kind.fast, TODAY, table_map, duckcsv.DEFAULT_LIMITS)
        named = [h for h in raw.header if h]
        assert shape.missing or not reader.distinct_fields or len(named) != len(set(named)) or not body
        return
    assert normal(fast[0]) == normal(python[0])
    assert fast[1] == python[1]
    assert [e.ref.line for e in fast[0]] == [e.ref.line for e in python[0]]
    _loose_is_said(fast)


def _loose_is_said(read) -> None:
    """The reader says whether a record of the file is not a kept row (`crossquery`)."""
    assert read.loose == [
        any(e.record is not None and type(e.record) is not StoredRecord for e in read.entries)
    ]


def test_a_worked_table_with_odd_rows(tmp_path):
    """Records, a rejection worded by jsonschema, a dropped optional field, short, long, blank
    and separator rows, a CRLF file with a BOM: lines and fates as the Python readers have them."""
    kind = CONTRACT.kinds["kunjungan_ptm"]
    text = (
        "\ufeffnik,tanggal,fasilitas,sistolik,edukasi,gula_darah\r\n"
        "3275014202890001,2018-03-12,Puskesmas 01,120,ya,125\r\n"
        "\r\n"
        "327501420289000,2018-03-12,Puskesmas 01,120,ya,\r\n"
        "3275014202890001,2018-03-12,Puskesmas 01,abc,ya,\r\n"
        "3275014202890001,2018-02-30\r\n"
        ",,,,,\r\n"
        "3275014202890001,12/03/2018,Puskesmas 01,120,-,1,5\r\n"
        " 3275014202890001 ,2018-03-12,Puskesmas 01,120,tidak,99\r\n"
    )
    path = tmp_path / "kunjungan_ptm.csv"
    path.write_bytes(text.encode("utf-8"))
    fast = duckcsv.read_csv_duckdb(path, path.name, 1, kind, None, TODAY)
    assert fast is not None
    python = _python(path, kind, None)
    assert normal(fast[0]) == normal(python[0])
    assert fast[1] == python[1]
    assert [(e.ref.line, e.fate.value) for e in fast[0]] == [
        (2, "record"), (4, "rejected"), (5, "record"), (6, "rejected"), (7, "empty"), (8, "rejected"),
        (9, "record"),
    ]  # fmt: skip
    assert repr(fast[0][0].record.values["gula_darah"]) == "Decimal('125')"
    assert fast[0][0].record.values["tanggal"] == dt.date(2018, 3, 12)
    assert fast[0][-1].record.values["nik"] == "3275014202890001"
    assert fast[0][-1].record.values["edukasi"] is False
    assert {p.line for p in fast[1]} == {4, 5, 6, 8}


@pytest.mark.parametrize(
    "raw",
    [
        b'nik,tanggal\n"3275014202890001",2018-03-12\n',  # a quote
        "nik,tanggal,fasilitas\n3275014202890001,2018-03-12,Puskesmas Sukamaj\xfa\n".encode("latin-1"),
        b"nik,tanggal\r3275014202890001,2018-03-12\r",  # lone CR
        b"nik,tanggal\n3275014202890001,2018-03-12\x00\n",  # NUL
        b"\xff\xfen\x00i\x00k\x00",  # UTF-16
        b"   \n\n",  # empty
        b"\xef\xbb\xbf",  # a byte order mark alone
        "\ufeff\u3000\u00a0\n \n".encode(),  # only Unicode spaces
        b"nik,nik\n3275014202890001,3275014202890001\n",  # a duplicated header
    ],
)
def test_files_it_is_not_sure_of_are_left_to_the_python_readers(tmp_path, raw):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "kunjungan_ptm.csv").write_bytes(raw)
    kind = CONTRACT.kinds["kunjungan_ptm"]
    assert duckcsv.read_csv_duckdb(folder / "kunjungan_ptm.csv", "k.csv", 1, kind, None, TODAY) is None
    fast, python, taken = _both(folder)
    assert taken == 0
    _same(fast, python)


def test_a_mapping_header_row_and_codes(tmp_path):
    """A mapped file: local headers and codes, a constant, the header on the third line."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "mapping.yaml").write_text(
        "tables:\n"
        "  - match: ptm_lokal.csv\n"
        "    kind: kunjungan_ptm\n"
        "    header_row: 3\n"
        "    columns: {NIK: nik, TGL: tanggal, EDU: edukasi}\n"
        "    constants: {fasilitas: Puskesmas 01}\n"
        "    values: {edukasi: {Y: ya, N: tidak, X: null}}\n",
        encoding="utf-8",
    )
    (folder / "ptm_lokal.csv").write_text(
        "Laporan PTM\n\nNIK;TGL;EDU\n3275014202890001;2018-03-12;Y\n3275014202890001;2018-04-12;X\n"
        "3275014202890001;2018-05-12;Q\n",
        encoding="utf-8",
    )
    fast, python, taken = _both(folder)
    _same(fast, python)
    assert taken == 1
    local = [e for e in fast.entries if e.ref.file.endswith("ptm_lokal.csv")]
    assert [e.ref.line for e in local] == [4, 5, 6]
    assert local[0].record.values["edukasi"] is True
    assert local[1].record.values["edukasi"] is None


def test_which_way_the_lines_are_read(tmp_path):
    """A file without blank lines or ragged rows is read by DuckDB's CSV reader; one with them
    is split by string functions; both give the Python readers' entries."""
    kind = CONTRACT.kinds["kunjungan_ptm"]
    clean = "nik,tanggal,fasilitas\r\n3275014202890001,2018-03-12,Puskesmas 01\r\n,,\r\n"
    for text, by_columns in [(clean, True), (clean + "\r\n", False), (clean + "1,2\r\n", False)]:
        path = tmp_path / "kunjungan_ptm.csv"
        path.write_bytes(text.encode("utf-8"))
        used = []
        real = duckcsv._columns_table

        def spy(*args, real=real, used=used):
            used.append(real(*args))
            return used[-1]

        with mock.patch.object(duckcsv, "_columns_table", spy):
            fast = duckcsv.read_csv_duckdb(path, path.name, 1, kind, None, TODAY)
        assert used == [by_columns]
        assert fast is not None
        python = _python(path, kind, None)
        assert normal(fast[0]) == normal(python[0]) and fast[1] == python[1]
        assert [e.fate.value for e in fast[0]][:2] == ["record", "empty"]


@pytest.mark.parametrize("blank", ["\n", "\r\n"])
@pytest.mark.parametrize("where", ["middle", "end"])
def test_a_blank_line_is_told_by_the_count_of_rows(tmp_path, blank, where):
    """DuckDB's reader skips a blank line of a file of several columns: the count of its rows
    tells it (no search of the text), and the lines are split instead — the Python readers'
    entries, the blank line's fate among them."""
    kind = CONTRACT.kinds["kunjungan_ptm"]
    end = "\r\n" if blank == "\r\n" else "\n"
    rows = [
        "nik,tanggal,fasilitas",
        "3275014202890001,2018-03-12,Puskesmas 01",
        "3275014202890001,2018-04-12,X",
    ]
    lines = [*rows[:2], "", rows[2]] if where == "middle" else [*rows, ""]
    path = tmp_path / "kunjungan_ptm.csv"
    path.write_bytes((end.join(lines) + end).encode("utf-8"))
    used = []
    real = duckcsv._columns_table

    def spy(*args):
        used.append(real(*args))
        return used[-1]

    with mock.patch.object(duckcsv, "_columns_table", spy):
        fast = duckcsv.read_csv_duckdb(path, path.name, 1, kind, None, TODAY)
    assert used == [False] and fast is not None
    python = _python(path, kind, None)
    assert normal(fast[0]) == normal(python[0]) and fast[1] == python[1]


def test_duplicates_are_found_as_before(tmp_path):
    """An exact repeat, the same date in another spelling (the same value: a repeat) and 120
    against 120.0 (two texts: not a repeat) — the hashes of the kept rows find what
    `mark_duplicates` finds alone."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "kunjungan_ptm.csv").write_text(
        "nik,tanggal,fasilitas,sistolik\n"
        "3275014202890001,2018-03-12,Puskesmas 01,120\n"
        "3275014202890001,2018-03-12,Puskesmas 01,120\n"
        "3275014202890001,12/03/2018,Puskesmas 01,120\n"
        "3275014202890001,2018-03-12,Puskesmas 01,120.0\n",
        encoding="utf-8",
    )
    fast, python, taken = _both(folder)
    assert taken == 1
    _same(fast, python)
    assert [e.fate.value for e in fast.entries] == ["record", "duplicate", "duplicate", "record"]


def test_a_long_row_whose_extra_cell_is_empty(tmp_path):
    """DuckDB's strict CSV reader takes a row with one cell too many when that cell is empty
    (a trailing delimiter) and drops it; the row must be rejected for its length, as the
    Python reader rejects it, not judged on the cells left (found by hypothesis)."""
    path = tmp_path / "t.csv"
    header = ["sistolik", "id_lokal", "nik", "id_orang", "petugas", "diastolik", "gula_darah", "edukasi"]
    header += ["tanggal", "fasilitas"]
    body = [
        ["50", "3275014202890001", "", "3275014202890001", "", "20", "20", "ya", "", "3275014202890001"],
        ["50,5", "", " ", "2018/2019", "nutrisionis", "20", "20", "", "2018-03-12", ""],
    ]
    _write(path, header, body, delimiter=",", crlf=True, bom=True, tail=True)
    kind = CONTRACT.kinds["kunjungan_ptm"]
    fast = duckcsv.read_csv_duckdb(path, path.name, 1, kind, None, TODAY)
    python = _python(path, kind, None)
    assert fast is not None
    assert normal(fast[0]) == normal(python[0])
    assert fast[1] == python[1]
    assert fast[0][1].reason.code == "row.column_count"


def test_a_records_values_after_its_database_is_closed_are_a_clear_fault(tmp_path):
    """Kept records read their values from the database: closing it first is said plainly,
    not as a missing table of a new, empty database."""
    header = ["nik", "nama", "tanggal_lahir", "jenis_kelamin", "fasilitas", "wilayah"]
    _write(
        tmp_path / "penduduk.csv", header, [["3275010101900001", "Budi", "1990-01-01", "L", "P 01", "K"]],
        delimiter=",", crlf=False, bom=False, tail=True,
    )  # fmt: skip
    kind = CONTRACT.kinds["penduduk"]
    database = duckcsv.Database(keep=True)
    read = duckcsv.read_csv_duckdb(
        tmp_path / "penduduk.csv", "penduduk.csv", 1, kind, None, TODAY, database=database
    )
    assert read is not None and type(read.entries[0]) is StoredRecord
    database.close()
    with pytest.raises(RuntimeError, match="closed before its records were read"):
        read.entries[0].get("nama")


@given(st.text(alphabet="ab\n\r\u00e9\u20ac", max_size=40), st.integers(1, 8), st.booleans())
def test_the_first_lines_are_those_of_a_split(text, n, bom):
    """The header is looked for in the first lines, decoded without decoding or copying the
    rest, after a byte order mark."""
    raw = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    assert csvscan.first_lines(raw, 3 if bom else 0, n) == text.split("\n", n)[:n]


def _kept_read(path: Path, kind):
    database = duckcsv.Database(keep=True)
    read = duckcsv.read_csv_duckdb(path, path.name, 1, kind, None, TODAY, database=database)
    assert read is not None
    con = database.cursor()
    tables = {
        name: columns
        for name, columns in con.execute(
            "SELECT table_name, list(column_name ORDER BY column_index) FROM duckdb_columns() "
            "WHERE database_name = 'kept' GROUP BY table_name"
        ).fetchall()
    }
    con.close()
    return database, read, tables


@pytest.mark.parametrize(
    ("second", "codes"),
    [("130", False), ("120.0", True)],
    ids=["told back", "kept as codes"],
)
def test_kept_values_are_read_back_from_the_typed_rows(tmp_path, second, codes):
    """A kept row's cells are stored once, as the kind's typed values, and its record's
    values are read back from them (`_told_back`) — unless two plain texts of a column are
    two values stored as one (120 and 120.0 are one DOUBLE): that column alone is kept as
    codes (`c_<file>`). Either way each record's values, whole or fetched a few rows alone,
    are the Python reader's, type and spelling."""
    path = tmp_path / "kunjungan_ptm.csv"
    path.write_text(
        "nik,tanggal,fasilitas,sistolik,edukasi\n"
        "3275014202890001,2018-03-12,Puskesmas 01,120,ya\n"
        f"3275014202890001,12/04/2018,Puskesmas 01,{second},tidak\n"
        "3275014202890001,2018-05-12,Puskesmas 01,,\n",
        encoding="utf-8",
    )
    kind = CONTRACT.kinds["kunjungan_ptm"]
    python = _python(path, kind, None)
    database, read, tables = _kept_read(path, kind)
    other, alone, _tables = _kept_read(path, kind)
    try:
        assert all(type(e.record) is StoredRecord for e in read.entries)
        kept_codes = {name: columns for name, columns in tables.items() if name.startswith("c_")}
        # none, or the one column (the file's fourth, `c3`) and the lines
        assert kept_codes == ({"c_0": ["c3", "n"]} if codes else {})
        records = [e.record for e in alone.entries]
        with mock.patch.object(model, "SPARSE_SHARE", 1):
            model.prefetch(records[1:])
        assert records[1]._columns._some is not None
        assert normal(read.entries) == normal(python[0]) == normal(alone.entries)
    finally:
        database.close()
        other.close()


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("end", [b"\n", b"\r\n"])
def test_the_layout_of_a_file_is_told_by_its_bytes(tmp_path, bom, end):
    """A file's lines and header are found in its bytes, its text decoded only for its first
    lines: a header with a non-ASCII name after a byte order mark, CRLF or LF, a last line
    without its end — the text, the count of lines and the rows as the Python reader's."""
    lines = ["nik,tanggal,fasilitas", "3275014202890001,2018-03-12,Puskesmas Cipayung é€"]
    lines.append("3275014202890001,2018-04-12,Puskesmas 01")
    raw = bom + end.decode().join(lines).encode()
    found = csvscan.layout(raw, 1, DEFAULT_LIMITS)
    assert found is not None
    assert found.text == raw.decode("utf-8-sig")
    assert found.header == ["nik", "tanggal", "fasilitas"] and found.crlf == (end == b"\r\n")
    assert found.lines == 3
    path = tmp_path / "kunjungan_ptm.csv"
    path.write_bytes(raw)
    kind = CONTRACT.kinds["kunjungan_ptm"]
    fast = duckcsv.read_csv_duckdb(path, path.name, 1, kind, None, TODAY)
    python = _python(path, kind, None)
    assert fast is not None
    assert normal(fast[0]) == normal(python[0]) and [e.ref.line for e in fast[0]] == [2, 3]


def test_a_file_whose_reading_fails_half_way_leaves_nothing_kept(tmp_path):
    """A DuckDB error after a file's rows were kept (here: while its records' columns are
    made) leaves the file to the Python readers and none of its rows in the kind's table;
    the register is the Python readers' (the other file still kept)."""
    import duckdb

    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "kunjungan_ptm.csv").write_text(
        "nik,tanggal,fasilitas,sistolik\n3275014202890001,2018-03-12,Puskesmas 01,120\n", encoding="utf-8"
    )
    (folder / "penduduk.csv").write_text(
        "nik,tanggal_lahir,jenis_kelamin\n3275014202890001,1989-02-02,P\n", encoding="utf-8"
    )
    real = duckcsv._kept_columns

    def failing(con, db, name, *args):
        if name.endswith("kunjungan_ptm.csv"):
            raise duckdb.Error("half-way")
        return real(con, db, name, *args)

    with mock.patch.object(duckcsv, "_kept_columns", failing):
        fast = readers.read_folder(folder, CONTRACT, today=TODAY)
    with mock.patch.object(readers, "read_csv_duckdb", lambda *a, **k: None):
        python = readers.read_folder(folder, CONTRACT, today=TODAY)
    _same(fast, python)
    assert [type(r) for r in fast.records["kunjungan_ptm"]] == [model.Record]
    assert [type(r) for r in fast.records["penduduk"]] == [StoredRecord]
    con = fast.store.cursor()
    try:
        [(kept,)] = con.execute('SELECT count(*) FROM "s_kunjungan_ptm"').fetchall()
    finally:
        con.close()
    assert kept == 0
    assert sorted((n.rsplit("/", 1)[-1], number < 0) for n, number in fast.store.files.items()) == [
        ("kunjungan_ptm.csv", True),
        ("penduduk.csv", False),
    ]


def test_a_report_names_the_digest_of_the_bytes_read(tmp_path):
    """`input_digests` gives each file's SHA-256: of the bytes DuckDB's reader read (hashed
    beside the reading, `registers/digest.py`), not of the file as it is after the check;
    a file the Python readers read (here: quoted cells) is hashed when the report names it."""
    import hashlib

    from spm_rules.api import input_digests

    folder = tmp_path / "data"
    folder.mkdir()
    plain = folder / "kunjungan_ptm.csv"
    plain.write_text(
        "nik,tanggal,fasilitas,sistolik\n3275014202890001,2018-03-12,Puskesmas 01,120\n", encoding="utf-8"
    )
    quoted = folder / "penduduk.csv"
    quoted.write_text('nik,tanggal_lahir,jenis_kelamin\n"3275014202890001",1989-02-02,P\n', encoding="utf-8")
    read = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (plain, quoted)}
    register = readers.read_folder(folder, CONTRACT, today=TODAY)
    assert list(register.digests.values()) == [read["kunjungan_ptm.csv"]]  # only DuckDB's
    plain.write_text("nik,tanggal,fasilitas,sistolik\n", encoding="utf-8")  # changed after reading
    assert {name.rsplit("/", 1)[-1]: digest for name, digest in input_digests(register)} == read


def test_a_file_duckdb_does_not_cut_is_left_to_the_python_readers(tmp_path):
    """A row wider than the limit on columns (the header is not): DuckDB's reader gives the
    file back (None) and the Python readers say why, in the user's words."""
    from spm_rules.limits import Limits

    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "kunjungan_ptm.csv"
    path.write_text(
        "nik,tanggal,fasilitas\n3275014202890001,2018-03-12,Puskesmas 01,1,2,3,4\n", encoding="utf-8"
    )
    kind = CONTRACT.kinds["kunjungan_ptm"]
    limits = Limits(sheet_columns=5)
    assert duckcsv.read_csv_duckdb(path, path.name, 1, kind, None, TODAY, limits) is None
    register = readers.read_folder(folder, CONTRACT, today=TODAY, limits=limits)
    assert register.digests == {} and register.problems


@pytest.mark.parametrize("quoted_first", [False, True])
def test_a_name_shown_twice_gives_the_digest_of_the_last_file(tmp_path, quoted_first):
    """Two folders' files shown under one name (`data/penduduk.csv`): the report's checksum
    is the last file's, as the file behind the name is, whichever reader read either."""
    import hashlib

    from spm_rules.api import input_digests

    plain = "nik,tanggal_lahir,jenis_kelamin\n3275014202890001,1989-02-02,P\n"
    quoted = 'nik,tanggal_lahir,jenis_kelamin\n"3275014202890002",1989-02-02,P\n'
    first, last = (tmp_path / "A" / "data", tmp_path / "B" / "data")
    for folder, text in (
        (first, quoted if quoted_first else plain),
        (last, plain if quoted_first else quoted),
    ):
        folder.mkdir(parents=True)
        (folder / "penduduk.csv").write_text(text, encoding="utf-8")
    register = readers.read_folder(first, CONTRACT, today=TODAY, also=(last,))
    assert [name for name, _kind in register.sources] == ["data/penduduk.csv"] * 2
    expected = hashlib.sha256((last / "penduduk.csv").read_bytes()).hexdigest()
    assert dict(input_digests(register)) == {"data/penduduk.csv": expected}


def _old_layout(raw: bytes, header_row: int, limits, search: int) -> tuple | None:
    """The layout as the twelfth session told it, from the whole bytes at once (the
    reference `csvscan.scan` is held to): its facts, and those `_columns_table` read."""
    if b'"' in raw or b"\x00" in raw or raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    crs = raw.count(b"\r") if b"\r" in raw else 0
    if crs and crs != raw.count(b"\r\n"):
        return None
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    lines = raw.count(b"\n") + (not raw.endswith(b"\n"))
    if lines > limits.sheet_rows:
        return None
    head = raw[start:].decode("utf-8").split("\n", header_row + search)[: header_row + search]
    first = head[header_row - 1] if len(head) >= header_row else head[0]
    delimiter = _delimiter(first.rstrip("\r\n"))
    for n, line in enumerate(head[header_row - 1 :], start=header_row):
        line = line.removesuffix("\r")
        cells = line.split(delimiter) if line else []
        if any(c.strip() for c in cells):
            header = [h.strip().lstrip("\ufeff") for h in cells]
            named = [h for h in header if h]
            if len(named) != len(set(named)) or len(header) > limits.sheet_columns:
                return None
            data: int | None = start
            for _line in range(n):
                data = raw.find(b"\n", data) + 1
                if data == 0:
                    data = None
                    break
            return (
                start, header, n, delimiter, lines, crs > 0, raw.endswith(b"\n"),
                None if data is None else raw.count(delimiter.encode("ascii"), data),
                raw.startswith((b"\n", b"\r\n"), start),
                len(header) == 1 and (b"\n\n" in raw or b"\n\r\n" in raw),
            )  # fmt: skip
    return None


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "b", ",", ";", "\n", "\r\n", "\r", " ", "é", "\ufeff", '"']), max_size=30),
    st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xc3", b"\x00"]),
    st.sampled_from([b"", b"\xc3", b"\x80", b"\n"]),
    st.lists(st.integers(0, 40), max_size=6),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(2, 12),
)
def test_the_layout_told_a_chunk_at_a_time_is_that_of_the_whole_bytes(
    pieces, head, tail, cuts, header_row, search, rows
):
    """`csvscan.scan` reads a file a chunk at a time; whatever the cuts (a CR LF, an empty
    line, a character of two bytes or the header's lines across two chunks), the layout is
    the one told from the whole bytes at once, and so is every fact `_columns_table` reads."""
    import dataclasses

    raw = head + "".join(pieces).encode("utf-8") + tail
    limits = dataclasses.replace(DEFAULT_LIMITS, sheet_rows=rows)
    bounds = sorted({0, len(raw), *(min(c, len(raw)) for c in cuts)})
    parts = [raw[a:b] for a, b in pairwise(bounds)]
    with mock.patch.object(csvscan, "HEADER_SEARCH", search):
        found = csvscan.scan(parts, header_row, limits, lambda: raw)
    expected = _old_layout(raw, header_row, limits, search)
    if expected is None:
        assert found is None
        return
    assert found is not None
    got = (
        found.start, found.header, found.header_line, found.delimiter, found.lines, found.crlf, found.ends_lf,
        found.data_delimiters, found.blank_first, len(found.header) == 1 and found.blank_inside,
    )  # fmt: skip
    assert got == expected
    assert found.text == raw.decode("utf-8-sig")


@pytest.mark.parametrize(
    "parts",
    [
        [b"nik,tanggal\r", b"\n3275,2018-01-01\r\n"],  # a CR LF across two chunks
        [b"nik\n3275\n", b"\n3276\n"],  # an empty line across two chunks (one column)
        [b"nik\n3275\r", b"\n\r\n3276\n"],
        [b"nik,nama\n3275,Ren\xc3", b"\xa9\n"],  # a character across two chunks
        [b"nik,nama\n3275,A\n3276,B\n3277,Ren\xc3", b"e\n", b"\xa9\n"],  # cut, then ASCII: not UTF-8
        [b"nik,nama\n3275,A\n3276,B\n3277,Rene\xc3"],  # a character cut at the end
        [b"nik,nama\n3275,A\n3276,B\r\n3277,B\r"],  # a CR at the end
        [b"nik,nama\n3275,A\r", b"\r\n3276,B\n"],  # a CR before a chunk's CR LF
    ],
)
def test_the_layout_across_two_chunks(parts):
    """What stands across two chunks is told as in the whole bytes (the header looked for in
    the first two lines: the chunks after them are counted, not decoded)."""
    raw = b"".join(parts)
    with mock.patch.object(csvscan, "HEADER_SEARCH", 1):
        found = csvscan.scan(parts, 1, DEFAULT_LIMITS, lambda: raw)
    expected = _old_layout(raw, 1, DEFAULT_LIMITS, 1)
    assert (found is None) == (expected is None)
    if found is not None:
        assert (found.lines, found.crlf, found.data_delimiters, found.blank_inside) == (
            expected[4],
            expected[5],
            expected[7],
            expected[9],
        )


def test_an_identity_alternative_naming_a_field_the_kind_has_not_is_never_met(tmp_path):
    """A school's registration names its pupil by NIK, or by facility and local number — but
    the kind has no facility: that alternative is never met, and the file's rows are kept
    all the same (their identity the NIK, a virtual column). A row with only a local number
    is rejected as the Python reader rejects it."""
    kind = CONTRACT.kinds["pendaftaran_sekolah"]
    assert "fasilitas" not in kind.fields and duckcsv._storable(kind)
    path = tmp_path / "pendaftaran_sekolah.csv"
    path.write_text(
        "nik,id_lokal,sekolah,kelas,tahun_ajaran,wilayah\n"
        "3275010202120001,,SD 1,1,2018/2019,Puskesmas 01\n"
        ",RM-7,SD 1,1,2018/2019,Puskesmas 01\n"
        "3275014303060001,RM-8,SD 2,7,2018/2019,Puskesmas 02\n",
        encoding="utf-8",
    )
    python = _python(path, kind, None)
    database, read, _tables = _kept_read(path, kind)
    try:
        kept = [e.record for e in read.entries if e.record is not None]
        assert [type(r) for r in kept] == [StoredRecord, StoredRecord]
        assert [r.get("id_orang") for r in kept] == ["3275010202120001", "3275014303060001"]
        assert normal(read.entries) == normal(python[0]) and read.problems == python[1]
    finally:
        database.close()


def test_a_cast_tells_the_cells_it_gives_the_judged_value_and_flags():
    """A column's texts a cast gives the judged value and the usual flags of are not joined;
    the others are: a local date, a cell judged not plain, a value the cast makes otherwise."""
    con = duckdb.connect()
    texts = ["2018-03-12", "", "12/03/2018", "2030-01-01", "2018-02-30"]
    values = [dt.date(2018, 3, 12), None, dt.date(2018, 3, 12), dt.date(2030, 1, 1), None]
    flags = [7, 1, 7, 6, 0]  # (2030: judged not plain, a date in the future)
    cast = castcells.cast_cells(con, texts, values, flags, "DATE")
    assert cast is not None
    assert (cast.empty, cast.other, cast.others) == (1, 7, [2, 3, 4])
    assert cast.value.format("'2018-03-12'") == "TRY_CAST('2018-03-12' AS DATE)"
    # a number the cast keeps otherwise than judged (a sign of zero) is joined
    cast = castcells.cast_cells(con, ["-0", "12"], [0.0, 12.0], [7, 7], "DOUBLE")
    assert cast is not None and cast.others == [0]
    # no cast for the type, or none of the texts told: every text joined, as before
    assert castcells.cast_cells(con, ["7:05"], ["07:05"], [7], "TIME") is None
    assert castcells.cast_cells(con, ["12,5"], [12.5], [7], "DOUBLE") is None
