"""The fast reader (`read_rows`: memoised cells, rows judged in batches) gives exactly the entries
and problems of the plain reader (`read_rows_plain`: one cell and one row at a time, jsonschema
behind the fast check), on varied tables: bad cells, not-done spellings, odd dates, decimal
commas, optional fields of odd form, mapped codes and constants, blank, broken and short rows."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import importlib.util
import re
from decimal import Decimal
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spm_rules.limits import DEFAULT_LIMITS
from spm_rules.model import Fate, Record, RecordRef, RowEntry
from spm_rules.registers import readers, rows
from spm_rules.registers.contract import load_contract
from spm_rules.registers.crosscheck import mark_duplicates
from spm_rules.registers.mapping import TableMapping
from spm_rules.registers.tables import BROKEN, IMPRECISE, RawTable, _csv_rows, split_lines

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = load_contract()
TODAY = dt.date(2026, 1, 1)

SPOKEN = ["", " ", "tidak", " Tidak ", "-", "belum", "0", "tidak ada", "tidak diketahui", "None", "?"]
CELLS = {
    "date": [
        "2018-03-12", "2018/3/1", "2018-03-12 00:00:00", "12/03/2018", "12.03.2018", "12-Mar-18",
        "12 Agt 2018", "1 Pebruari 2019", "45363", "45363.0", "2018-02-30", "31/02/2018", "03/04/05",
        "2030-01-01", "12 Foo 2018", "99999", "kemarin", " 2018-03-12 ",
    ],
    "number": [
        "12", "12,5", "12.5", "1.0", "-3", "250", "251", "1e3", "abc", "1,000", "1.2.3", "99999",
        "1" * 45, f"{IMPRECISE}3275014202890001", "60", "300", "0,0", "-0", "+5", " 12", "0012", "nan",
        "inf", "1_000",
    ],
    "bool": ["ya", "YA", "y", "t", "1", "sudah", "ada", "mungkin", "tidak tahu", "TRUE", "no"],
    "time": ["7:05", "07.05", "07:05:00", "24:00", "7:60", "x"],
    "string": [
        "3275014202890001", "3275014303900001", "327501420289000", "Puskesmas 01", "Puskesmas 02",
        "STR-1", "A09", "a09", "I10.1", "2018/2019", "2018-2019", "x" * 600, "KH-1", "L", "P", "l",
    ],
}  # fmt: skip
LOCAL_CODES = {"Y": "ya", "N": "tidak", "X": None, "PKM1": "Puskesmas 01", "lk": "L"}


TEXTS = ["3275014202890001", "3275014303900001", "2018/2019", "A09", "I10.1", "STR-1", "Puskesmas 01",
         "Puskesmas 02", "positif", "KH-1"]  # fmt: skip


def good_cells(kind, spec) -> list[str]:
    """Texts that are values of the field: most cells of a register are."""
    prop = kind.schema["properties"][spec.name]
    if spec.enum:
        return list(spec.enum)
    if spec.type == "date":
        return ["2018-03-12", "12/03/2018", "2018-07-01", "1 Agustus 2018", "43101", "2018-07-01 00:00"]
    if spec.type in ("number", "integer"):
        lo, hi = prop.get("minimum", 0), prop.get("maximum", 1000)
        out = [str(lo), str(hi), str((lo + hi) // 2)]
        return out + ([f"{lo},5", f"{lo}.25"] if spec.type == "number" else [f"{hi}.0"])
    if spec.type == "bool":
        return ["ya", "tidak", "Y", "sudah", "n"]
    if spec.type == "time":
        return ["07:05", "7.05", "23:59"]
    pattern = re.compile(prop.get("pattern", ""))
    return [t for t in TEXTS if pattern.search(t)]


def cells_for(kind, spec) -> st.SearchStrategy[str]:
    pool = SPOKEN + CELLS["string" if spec is None else "number" if spec.type == "integer" else spec.type]
    if spec is not None and spec.enum:
        pool += [*spec.enum, spec.enum[0].upper(), f" {spec.enum[-1]} "]
    odd = st.sampled_from(pool + list(LOCAL_CODES))
    if spec is None:
        return odd
    good = st.sampled_from(good_cells(kind, spec))
    return st.integers(0, 9).flatmap(lambda n: good if n < 7 else st.just("") if n == 7 else odd)


@st.composite
def tables(draw):
    """A kind, a header (fields of the kind, perhaps renamed by a mapping, an unknown column,
    the derived identity), rows, and perhaps a mapping with codes and constants."""
    kind = CONTRACT.kinds[draw(st.sampled_from(sorted(CONTRACT.kinds)))]
    names = list(kind.fields)
    fields = draw(st.lists(st.sampled_from([*names, "catatan"]), min_size=1, max_size=8, unique=True))
    if draw(st.integers(0, 3)):  # usually every required field and a NIK, so that rows are read
        fields += [f for f, spec in kind.fields.items() if spec.required and f not in fields]
        fields += ["nik"] if "nik" in kind.fields and "nik" not in fields else []
    fields = draw(st.permutations(fields))
    header = list(fields)
    table_map = None
    if draw(st.booleans()):
        columns = {}
        for i, f in enumerate(fields):
            if draw(st.booleans()):
                header[i] = columns.setdefault(f"{f.upper()}_LOKAL", f) and f"{f.upper()}_LOKAL"
        if draw(st.integers(0, 9)) == 0:  # two columns filling one field
            columns["LAGI"] = fields[0]
            header.append("LAGI")
        spare = [f for f in names if f not in fields]
        constants = {}
        if spare and draw(st.booleans()):
            field = draw(st.sampled_from(spare))
            constants[field] = draw(cells_for(kind, kind.fields[field]))
        coded = draw(st.lists(st.sampled_from(names), max_size=4, unique=True))
        table_map = TableMapping(
            "*", kind.name, columns=columns, values={f: LOCAL_CODES for f in coded}, constants=constants
        )
    specs = [kind.fields.get(table_map.columns.get(h, h) if table_map else h) for h in header]
    width = len(header)
    shaped = st.one_of(
        st.tuples(*[cells_for(kind, spec) for spec in specs]).map(list),
        st.tuples(*[cells_for(kind, spec) for spec in specs]).map(list),
        st.tuples(*[cells_for(kind, spec) for spec in specs]).map(list),
        st.just([""] * width),
        st.just([BROKEN]),
        st.lists(st.sampled_from(["1", "", "x"]), min_size=0, max_size=width + 2).filter(
            lambda r: len(r) != width
        ),
    )
    body = draw(st.lists(shaped, max_size=25))
    if body and draw(st.booleans()):  # repeat rows: memo hits and exact duplicates
        body += draw(st.lists(st.sampled_from(body), max_size=10))
    numbered = [(line, row) for line, row in enumerate(body, start=2)]
    return kind, header, numbered, table_map


def normal(entries) -> list[tuple]:
    """Entries as comparable data: a record's values with their types and exact forms, in order."""
    out = []
    for e in entries:
        record = None
        if e.record is not None:
            values = [(k, type(v).__name__, repr(v)) for k, v in e.record.values.items()]
            record = (e.record.kind, e.record.ref, values)
        out.append((e.ref, e.kind, e.fate, e.reason, record))
    return out


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.sampled_from([1, 2, 3, 4096]), st.sampled_from([0, 1, 3, 1 << 14]))
def test_fast_reader_equals_plain_reader(table, batch_rows, memo_cells):
    kind, header, numbered, table_map = table
    with mock.patch.object(rows, "BATCH_ROWS", batch_rows), mock.patch.object(rows, "MEMO_CELLS", memo_cells):
        fast = rows.read_rows(kind, header, numbered, "t.csv", TODAY, table_map)
    plain = rows.read_rows_plain(kind, header, numbered, "t.csv", TODAY, table_map)
    assert normal(fast[0]) == normal(plain[0])
    assert fast[1] == plain[1]
    assert len(fast[0]) == sum(1 for _line, row in numbered if "".join(row).strip() or len(row) > 1)


def test_a_clean_row_and_its_neighbours_keep_their_fates_and_order():
    """A worked case: records, a rejection, a dropped optional field, a short row and a blank
    row, in one batch, exactly as the plain reader has them."""
    kind = CONTRACT.kinds["kunjungan_ptm"]
    header = ["nik", "tanggal", "fasilitas", "sistolik", "edukasi", "gula_darah"]
    body = [
        ["3275014202890001", "2018-03-12", "Puskesmas 01", "120", "ya", "125,5"],
        ["3275014202890001", "12/03/2018", "Puskesmas 01", "120", "tidak", ""],
        ["327501420289000", "2018-03-12", "Puskesmas 01", "120", "ya", ""],  # NIK pattern: rejected
        ["3275014202890001", "2018-03-12", "Puskesmas 01", "abc", "ya", ""],  # optional, odd: dropped
        ["3275014202890001", "2018-02-30"],  # short row
        ["", "", "", "", "", ""],  # separators only
        ["3275014202890001", "2018-03-12", "Puskesmas 01", "120", "-", "1e3"],
    ]
    numbered = list(enumerate(body, start=2))
    fast = rows.read_rows(kind, header, numbered, "t.csv", TODAY)
    plain = rows.read_rows_plain(kind, header, numbered, "t.csv", TODAY)
    assert normal(fast[0]) == normal(plain[0])
    assert fast[1] == plain[1]
    fates = [e.fate for e in fast[0]]
    record, rejected, empty = Fate.RECORD, Fate.REJECTED, Fate.EMPTY
    assert fates == [record, record, rejected, record, rejected, empty, record]
    assert fast[0][0].record.values["gula_darah"] == Decimal("125.5")
    assert fast[0][0].record.values["id_orang"] == "3275014202890001"
    assert fast[0][1].record.values["edukasi"] is False
    assert fast[0][3].record.values["sistolik"] is None
    assert fast[0][6].record.values["edukasi"] is False
    assert fast[0][6].record.values["gula_darah"] is None
    assert [p.line for p in fast[1]] == [4, 5, 6, 8]  # in row order, warnings and errors alike


def _city(tmp_path: Path) -> Path:
    spec = importlib.util.spec_from_file_location("make_city", ROOT / "scripts" / "make_city.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make_city(tmp_path, 0.002)
    return tmp_path


def test_a_generated_city_reads_the_same_with_either_reader(tmp_path):
    folder = _city(tmp_path)
    with mock.patch.object(readers, "read_csv_duckdb", lambda *a, **k: None):  # the Python readers
        fast = readers.read_folder(folder, CONTRACT, today=TODAY)
        with mock.patch.object(readers, "read_rows", rows.read_rows_plain):
            plain = readers.read_folder(folder, CONTRACT, today=TODAY)
    assert len(fast.entries) > 1000
    assert normal(fast.entries) == normal(plain.entries)
    assert fast.problems == plain.problems


def _old_mark_duplicates(entries):
    """mark_duplicates as it was: the key is the kind and every (field, text of value), sorted."""
    seen, out = {}, []
    for e in entries:
        rec = e.record
        if e.fate != Fate.RECORD or rec is None:
            out.append(e)
            continue
        key = (rec.kind, *sorted((k, str(v)) for k, v in rec.values.items()))
        if key in seen:
            out.append(dataclasses.replace(e, fate=Fate.DUPLICATE, record=None))
        else:
            seen[key] = e.ref
            out.append(e)
    return out


VALUES = [None, "None", "1", Decimal("1"), Decimal("1.0"), True, "True", dt.date(2018, 1, 2), "2018-01-02"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b"]),
            st.permutations(["x", "y", "z"]),
            st.lists(st.sampled_from(VALUES), min_size=3, max_size=3),
        ),
        max_size=30,
    )
)
def test_duplicates_are_found_as_before(specs):
    """Field order does not matter, the text of a value does (None and "None" are one text,
    1 and 1.0 are two)."""
    entries = [
        RowEntry(ref, kind, Fate.RECORD, record=Record(kind, dict(zip(order, values, strict=True)), ref))
        for i, (kind, order, values) in enumerate(specs)
        for ref in [RecordRef("t.csv", i + 2)]
    ]
    marked, problems = mark_duplicates(entries)
    assert [e.fate for e in marked] == [e.fate for e in _old_mark_duplicates(entries)]
    assert len(problems) == sum(1 for e in marked if e.fate == Fate.DUPLICATE)
    firsts = {p.reason.arg("first") for p in problems}
    assert all(first.line < p.line for p in problems for first in [p.reason.arg("first")])
    assert firsts <= {e.ref for e in marked if e.fate == Fate.RECORD}


def _split_reference(text: str) -> list[str]:
    """Physical lines as the CSV reader has always cut them: at CRLF, LF and a lone CR only."""
    out, start = [], 0
    for m in re.finditer(r"\r\n|\r|\n", text):
        out.append(text[start : m.end()])
        start = m.end()
    return [*out, text[start:]] if start < len(text) else out


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from('ab,"\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029 ')))
def test_lines_are_cut_where_they_always_were(text):
    assert split_lines(text) == _split_reference(text)


def _csv_rows_reference(text: str, table: RawTable) -> list[tuple[int, list[str]]]:
    """CSV rows as they were read before `csv.reader.line_num` kept the place: a feed that
    counts the lines it hands out; a broken row is rejected alone, reading goes on after it."""
    lines, out, pos = _split_reference(text), [], 0
    while pos < len(lines):
        taken = [pos]

        def feed(start=pos, taken=taken):
            for n in range(start, len(lines)):
                taken[0] = n + 1
                yield lines[n]

        reader = csv.reader(feed(), delimiter=",", strict=True)
        while True:
            start = taken[0]
            try:
                row = next(reader)
            except StopIteration:
                return out
            except csv.Error:
                table.problems.append(start + 1)
                out.append((start + 1, [BROKEN]))
                pos = start + 1
                break
            out.append((start + 1, row))
    return out


PIECES = ["a,b", '"x', 'y"', '"q"r', '1,"2\n3"', "", " ", "c;d", '"', "e\rf", "g\r\nh"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=12))
def test_csv_rows_and_broken_lines_are_found_as_before(parts):
    """Every physical line ends in the same row as before, broken or not, in order."""
    text = "h1,h2\n" + "\n".join(parts) + "\n"
    table = RawTable("t.csv", "t", Path("t.csv"), None, [], [])
    reference = RawTable("t.csv", "t", Path("t.csv"), None, [], [])
    assert list(_csv_rows(text, ",", table, DEFAULT_LIMITS)) == _csv_rows_reference(text, reference)
    assert [p.line for p in table.problems] == reference.problems
