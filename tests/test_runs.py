"""A register's entries and records made when read (`registers/runs.py`) are the lists they stand
for: drawn runs of kept rows and lists of other entries, some entries replaced by a check (a
duplicate set aside, a merged record, the run's own record put back), some records read before
the rest; every question asked without making the records (length, each entry's line, where an
entry is, the rows per file and fate, each kind's records, the files of records at positions)
answers as the made list does, and the made list holds the very objects read before (the
ledger and the checks compare records by identity)."""

from __future__ import annotations

from array import array
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from spm_rules.model import Columns, Fate, Layout, Reason, Record, RecordRef, RowEntry, StoredRecord
from spm_rules.registers.runs import Entries, KeptRun, KindRecords, files_of, records_by_kind

LAYOUT = Layout(("nik", "tanggal"))


def _columns(rows: int) -> Columns:
    def fetch(columns: Columns, i: int) -> list:
        return [f"{columns.layout.names[i]}-{at}" for at in range(rows)]

    return Columns(LAYOUT, fetch, rows=rows)


@st.composite
def registers(draw):
    """Files of one kind or another, each its kept rows' runs between its odd rows."""
    parts: list = []
    plain: list = []  # the reference list, records made at once
    for f in range(draw(st.integers(1, 3))):
        file, kind = f"f{f}.csv", draw(st.sampled_from(["kunjungan", "penduduk"]))
        shape = draw(st.lists(st.sampled_from(["run", "odd"]), max_size=5))
        runs = [draw(st.integers(1, 4)) if s == "run" else 0 for s in shape]
        columns = _columns(sum(runs))
        line, at = 2, 0
        for n in runs:
            if n:
                lines = draw(st.sampled_from([array("i", range(line, line + n)), range(line, line + n)]))
                run = KeptRun(kind, file, columns, at, lines)
                parts.append(run)
                plain += [("run", run, j) for j in range(n)]
                at, line = at + n, line + n
            else:
                ref = RecordRef(file, line)
                odd = draw(st.sampled_from(["rejected", "record"]))
                e = (
                    RowEntry(ref, kind, Fate.REJECTED, Reason.of("x"))
                    if odd == "rejected"
                    else Record(kind, {"nik": "n", "tanggal": None}, ref)
                )
                parts.append([e])
                plain.append(("odd", e, 0))
                line += 1
    return parts, plain


def _build(parts) -> Entries:
    entries = Entries()
    for part in parts:
        entries.add(part)
    return entries


@given(registers(), st.data())
def test_entries_are_the_list_they_stand_for(drawn, data):
    parts, plain = drawn
    entries = _build(parts)
    n = len(plain)
    assert len(entries) == n
    # some records read first (made alone), some entries replaced by a check
    read = data.draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=4)) if n else []
    early = {i: entries[i] for i in read}
    replaced: dict[int, object] = {}
    for i in data.draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=4)) if n else []:
        old = entries[i]
        what = data.draw(st.sampled_from(["duplicate", "merged", "same"]))
        if what == "duplicate":
            new = RowEntry(old.ref, old.kind, Fate.DUPLICATE, Reason.of("d"), old.record)
        elif what == "merged":
            new = Record(old.kind, {"nik": "m", "tanggal": None}, old.ref)
        else:
            new = old
        entries[i] = new
        replaced[i] = new
    # asked without making the records
    picked = data.draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=8)) if n else []
    assert all(a is b for a, b in zip(entries.take(picked), [entries[i] for i in picked], strict=True))
    assert all(
        a is b
        for a, b in zip(entries.take(sorted(picked)), [entries[i] for i in sorted(picked)], strict=True)
    )
    lines = [entries.line(i) for i in range(n)]
    found = [entries.find(entries[i].ref) for i in range(n)]
    # a line no entry was read from, a file not read
    assert entries.find(RecordRef("f0.csv", 1)) is None and entries.find(RecordRef("f0.csv", 999)) is None
    assert entries.find(RecordRef("other.csv", 2)) is None
    fates = entries.file_fates()
    kinds = entries.by_kind()
    assert not entries.made
    assert [entries.line(i - n) for i in range(n)] == lines  # from the end
    # the made list: the objects read before, in their places
    whole = list(entries)
    assert entries.made and len(whole) == n
    for i, e in {**early, **replaced}.items():
        assert whole[i] is (replaced.get(i, e))
    assert lines == [e.ref.line for e in whole]
    assert found == list(range(n))
    assert fates == +Counter((e.ref.file, e.fate) for e in whole)
    want = records_by_kind(whole)
    # once made (a check walked), still found by file and line and still pieces of runs
    assert [entries.find(e.ref) for e in whole] == list(range(n))
    again = entries.by_kind()
    for got in (kinds, again):
        assert set(got) == set(want)
        for kind, recs in got.items():
            assert list(recs) == want[kind]  # equal as lists...
            assert all(a is b for a, b in zip(recs, want[kind], strict=True))  # ...and the same objects
            assert recs.column_of("nik") == [r.get("nik") for r in want[kind]]
    assert all(isinstance(recs, KindRecords) for recs in again.values())
    # a walk that replaces an entry in the whole list: the piece split there, as before it
    if n and isinstance(whole[0], StoredRecord):
        entries[0] = Record(whole[0].kind, {"nik": "w", "tanggal": None}, whole[0].ref)
        after = entries.by_kind()[whole[0].kind]
        assert after[0] is entries[0] and isinstance(after.pieces[0], list)


@given(registers(), st.data())
def test_a_kinds_records_in_order_and_their_files(drawn, data):
    parts, _plain = drawn
    entries = _build(parts)
    for recs in entries.by_kind().values():
        n = len(recs)
        order = data.draw(st.permutations(range(n)))
        if isinstance(recs, KindRecords):
            recs.reorder(lambda order=order: order)
        else:
            recs[:] = [recs[i] for i in order]
        positions = data.draw(st.lists(st.integers(0, n - 1), max_size=6))
        bits = bytearray(n)
        for i in positions:
            bits[i] = 1
        one = [recs[i] for i in range(n)]  # each made alone
        counted = files_of(recs, bits)
        if isinstance(recs, KindRecords) and not recs.made:
            bases = recs.base_bits(bits)
            for i, rec in enumerate(one):
                base = recs.base_of(rec)
                if base is not None:
                    assert base == order[i] and (bases[base] == 1) == (i in positions)
                if isinstance(rec, StoredRecord):  # another object for the same row: not the kind's
                    assert base is not None
                    twin = StoredRecord(rec.kind, rec._columns, rec._at, rec.ref)
                    assert recs.base_of(twin) is None
        whole = list(recs)
        assert all(a is b for a, b in zip(whole, one, strict=True))
        assert counted == Counter(whole[i].ref.file for i in set(positions))


def test_a_fresh_register_is_counted_without_its_records(tmp_path):
    """Reading the city's way (DuckDB keeps the rows): the entries and records are runs, and the
    counts per file and fate need none of them made."""
    from spm_rules.registers.contract import load_contract
    from spm_rules.registers.readers import read_folder

    (tmp_path / "kunjungan_ptm.csv").write_text(
        "nik,tanggal,fasilitas,sistolik\n"
        "3275014202890001,2018-03-02,Puskesmas 01,120\n"
        "3275014202890001,2018-02-30,Puskesmas 01,120\n"  # no such date: read alone, rejected
        "3275015507010002,2018-03-01,Puskesmas 01,135\n",
        encoding="utf-8",
    )
    register = read_folder(tmp_path, load_contract())
    assert isinstance(register.entries, Entries)
    assert [type(p).__name__ for p in register.entries.parts] == ["KeptRun", "list", "KeptRun"]
    counts = register.fate_counts()
    assert not register.entries.made
    name = next(iter(counts))
    assert counts[name] == Counter({Fate.RECORD: 2, Fate.REJECTED: 1})
    recs = register.of_kind("kunjungan_ptm")
    assert isinstance(recs, KindRecords) and not recs.made and len(recs) == 2
    # made when read: the same object from the entries and from the kind's records
    assert recs[0] is register.entries[2] and recs[1] is register.entries[0]  # by date


def test_the_plain_rows_lines_as_runs():
    """A kept file's plain lines: ranges between its odd lines where the data lines follow one
    another; fetched and cut where the kept rows are not every line but the odd ones."""
    import duckdb

    from spm_rules.registers.duckcsv import _plain_runs

    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT unnest(range(2, 12)) AS n")  # lines 2..11
    odd = [4, 5, 11]
    con.execute("CREATE TABLE c_0 AS SELECT n FROM t WHERE n NOT IN (4, 5, 11)")
    runs = _plain_runs(con, "c_0", 7, odd)
    assert runs == [range(2, 4), range(5, 5), range(6, 11), range(12, 12)]
    # a kept table that is not every other line (line 8 in neither): the lines fetched
    con.execute("DELETE FROM c_0 WHERE n = 8")
    runs = _plain_runs(con, "c_0", 6, odd)
    assert [list(r) for r in runs] == [[2, 3], [], [6, 7, 9, 10], []]
    # no data line
    con.execute("DELETE FROM t")
    con.execute("DELETE FROM c_0")
    assert [list(r) for r in _plain_runs(con, "c_0", 0, [])] == [[]]


def _folder(tmp_path):
    (tmp_path / "kunjungan_ptm.csv").write_text(
        "nik,tanggal,fasilitas,sistolik\n"
        "3275014202890001,2018-03-02,Puskesmas 01,120\n"
        "3275014202890001,2018-03-02,Puskesmas 01,120\n"  # a repeat
        "3275015507010002,2018-03-01,Puskesmas 01,135\n",
        encoding="utf-8",
    )
    return tmp_path


def test_a_walking_check_leaves_the_kinds_ranked(tmp_path):
    """A check across records that walks every entry (its question answered "every entry")
    makes the whole list; the kinds are still ranked by DuckDB from their kept rows, in the
    same order as without the walk."""
    from unittest import mock

    from spm_rules.registers import crossquery
    from spm_rules.registers.contract import load_contract
    from spm_rules.registers.readers import read_folder

    folder = _folder(tmp_path)
    plain = read_folder(folder, load_contract())
    with mock.patch.object(crossquery.StoredRows, "duplicates", lambda self: None):
        walked = read_folder(folder, load_contract())
    assert walked.entries.made and not plain.entries.made
    assert walked.ranked == plain.ranked == {"kunjungan_ptm": 2}
    assert [r.ref for r in walked.of_kind("kunjungan_ptm")] == [r.ref for r in plain.of_kind("kunjungan_ptm")]


def test_the_default_period_is_found_without_making_records(tmp_path):
    from spm_rules.api import default_period_spec
    from spm_rules.registers.contract import load_contract
    from spm_rules.registers.readers import read_folder

    register = read_folder(_folder(tmp_path), load_contract())
    assert default_period_spec(register) == "2018"
    assert not register.entries.made and not register.of_kind("kunjungan_ptm").made
