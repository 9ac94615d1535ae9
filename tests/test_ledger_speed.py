"""The ledger claims records per standard and link (ranked claims, `report.ledger`), not per
subject: it must give every row the fate the straightforward per-subject ledger gives — the
one below, which walks each subject's scope in order and keeps each dictionary's first claim —
on the bundled sample (interpreter and compiled), on a small generated city, and when the
entries' records are not the register's own objects; a query whose rows are not one per
subject is not used.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

import spm_rules.report.ledger as ledger_module
from spm_rules.api import run_check
from spm_rules.engine.compiled.verdicts import CompiledVerdicts
from spm_rules.model import Fate, Reason, RecordRef, Register, RowEntry
from spm_rules.report.aggregate import StandardReport
from spm_rules.report.ledger import (
    OUT,
    REJECTED,
    USED,
    FileBalance,
    LedgerRow,
    _Memo,
    _scopes,
    build_ledger,
)
from spm_rules.resources import bundled_library, bundled_rules

from .test_read_fast import _city

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "reports_in" / "sample"


def reference_ledger(register: Register, reports: list[StandardReport]) -> tuple[list, list]:
    """Rows and balances the plain way: per subject, one dictionary per reason, first claim wins."""
    used: dict[RecordRef, tuple] = {}
    excluded: dict[RecordRef, tuple] = {}
    subject_out: dict[RecordRef, tuple] = {}
    unneeded: dict[RecordRef, tuple] = {}
    for report in reports:
        sid = report.standard.id
        scopes = _scopes(report.verdicts, _Memo())
        for subject, ref, in_period, in_pop, pdate, evidence, linked, out in scopes:
            for r, why in out:
                excluded.setdefault(r, (Reason.of("ledger.excluded", condition=why), sid, subject))
            if not in_pop:
                when = None if in_period else f" ({pdate})" if pdate else ""
                if when is None:
                    own, other = "ledger.subject_out_of_population", "ledger.linked_out_of_population"
                    subject_out.setdefault(ref, (Reason.of(own), sid, subject))
                    for r in linked:
                        subject_out.setdefault(r, (Reason.of(other), sid, subject))
                else:
                    own, other = "ledger.subject_out_of_period", "ledger.linked_out_of_period"
                    subject_out.setdefault(ref, (Reason.of(own, when=when), sid, subject))
                    for r in linked:
                        subject_out.setdefault(r, (Reason.of(other, when=when), sid, subject))
                continue
            for r in (ref, *evidence):
                used.setdefault(r, (sid, subject))
            for r in linked:
                unneeded.setdefault(r, (sid, subject))
        for row in [*report.rows, report.total]:
            for r in row.source.refs if row.source is not None else ():
                used.setdefault(r, (sid, row.facility))
    rows = []
    for e in register.entries:
        head = (e.ref.file, e.ref.line, e.kind)
        if e.fate == "rejected":
            rows.append(LedgerRow(*head, REJECTED, e.reason or Reason.of("row.broken")))
        elif e.fate in ("duplicate", "empty"):
            rows.append(LedgerRow(*head, OUT, e.reason or Reason.of("row.broken")))
        elif e.ref in used:
            rows.append(LedgerRow(*head, USED, Reason.of("ledger.used"), *used[e.ref]))
        elif e.ref in excluded:
            rows.append(LedgerRow(*head, OUT, *excluded[e.ref]))
        elif e.ref in subject_out:
            rows.append(LedgerRow(*head, OUT, *subject_out[e.ref]))
        elif e.ref in unneeded:
            rows.append(LedgerRow(*head, OUT, Reason.of("ledger.unneeded"), *unneeded[e.ref]))
        else:
            rows.append(LedgerRow(*head, OUT, Reason.of("ledger.unused")))
    balances = {f.file: FileBalance(f.file, f.rows_read) for f in register.files}
    for r in rows:
        bal = balances.setdefault(r.file, FileBalance(r.file, 0))
        if r.fate == USED:
            bal.used += 1
        elif r.fate == OUT:
            bal.out_of_scope += 1
        else:
            bal.rejected += 1
    return rows, list(balances.values())


def assert_as_reference(register: Register, reports: list[StandardReport]) -> None:
    ledger = build_ledger(register, reports)
    rows, files = reference_ledger(register, reports)
    # the balances and totals are counted without the rows, which are made when asked for
    assert ledger._rows is None
    assert ledger.files == files and ledger.balanced
    assert ledger.totals() == Counter(r.fate for r in rows)
    assert len(ledger.rows) == len(rows)
    for got, want in zip(ledger.rows, rows, strict=True):
        assert got == want
    assert ledger.files == files and ledger.balanced


def _compiled(reports: list[StandardReport]) -> int:
    return sum(isinstance(r.verdicts, CompiledVerdicts) for r in reports)


@pytest.mark.parametrize("engine", ["interpreter", "compiled"])
def test_the_sample_ledger_is_the_plain_one(engine):
    result = run_check(bundled_rules(), SAMPLE, engine=engine)
    assert _compiled(result.reports) == (len(result.reports) if engine == "compiled" else 0)
    assert_as_reference(result.register, result.reports)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    folder = _city(tmp_path_factory.mktemp("ledger") / "city")  # scale 0,002
    return run_check(bundled_library(), folder, "2018", engine="compiled")


def test_a_small_city_ledger_is_the_plain_one(city):
    assert _compiled(city.reports) >= 10 and len(city.register.entries) > 10_000
    # the city's year: subjects in the population, counted and not (not all out of the period)
    counted, subjects = (sum(getattr(r.total, f) for r in city.reports) for f in ("numerator", "subjects"))
    assert subjects > counted > 1000
    # the records used come from the queries (by position), not from following the links
    assert all(
        r.verdicts.used_records() is not None
        for r in city.reports
        if isinstance(r.verdicts, CompiledVerdicts)
    )
    assert city.ledger.rows == reference_ledger(city.register, city.reports)[0]
    assert_as_reference(city.register, city.reports)


def test_a_query_not_one_row_per_subject_is_not_used(city, monkeypatch):
    """The ledger reads row i as subject i: a query that gives other rows is refused, and the
    interpreter evaluates the standard (said as a fallback), with the same ledger."""
    import spm_rules.engine.compiled.query as query

    real = query.CompiledStandard.sql

    def thinned(self, dialect="duckdb", pretty=False, ordered=True):
        return f"SELECT * FROM ({real(self, dialect, pretty, ordered)}) WHERE _rid % 3 = 0 ORDER BY _rid"

    monkeypatch.setattr(query.CompiledStandard, "sql", thinned)
    folder = Path(city.register.paths[city.register.sources[0][0]]).parent
    result = run_check(bundled_library(), folder, "2018", engine="auto")
    assert result.fallbacks and all("rows for" in f.reason.construct for f in result.fallbacks)
    assert _compiled(result.reports) == 0
    assert_as_reference(result.register, result.reports)
    assert [r.total.numerator for r in result.reports] == [r.total.numerator for r in city.reports]


def test_entries_whose_records_are_other_objects(city, monkeypatch):
    """An entry's record may be a copy (the claims by record then go by reference)."""
    calls, used = [], []
    rows, used_fates = ledger_module._rows, ledger_module._used_fates
    monkeypatch.setattr(ledger_module, "_rows", lambda *a: calls.append(len(a[2])) or rows(*a))
    monkeypatch.setattr(ledger_module, "_used_fates", lambda *a: used.append(len(a[1])) or used_fates(*a))
    register = city.register
    entries = [
        RowEntry(e.ref, e.kind, Fate.RECORD, None, copy.copy(e.record))
        if e.record is not None and i % 5 == 0
        else e
        for i, e in enumerate(register.entries)
    ]
    other = dataclasses.replace(register, entries=entries)
    other._index = register._index
    assert_as_reference(other, city.reports)
    # the counts from the records used: by record (refused), then by reference; the rows
    # when asked for, from the claims: by record (refused), then by reference
    assert len(used) == 2 and used[0] > 0 and used[1] == 0
    assert len(calls) == 2 and calls[0] > 0 and calls[1] == 0


def test_rows_that_disagree_with_the_balance_are_a_fault(city, monkeypatch):
    """The rows (from the ranked claims) must give the fates the balance counted (from the
    records used); if they ever do not, asking for them is an error naming a file."""
    ledger = build_ledger(city.register, city.reports)
    claimed = ledger_module._claimed_fates

    def one_more_used(*args):
        fates, by_ref, by_record = claimed(*args)
        return [USED, *fates[1:]] if fates[0] != USED else [OUT, *fates[1:]], by_ref, by_record

    monkeypatch.setattr(ledger_module, "_claimed_fates", one_more_used)
    with pytest.raises(ledger_module.LedgerDisagrees) as err:
        _ = ledger.rows
    assert city.register.entries[0].ref.file in err.value.text("en")


def test_the_counts_without_a_walk_are_the_walks(city, monkeypatch):
    """Where every standard's records used are known by position and none by reference, the
    balance is counted from the fates per file and the records used (`_used_counts`), without
    a walk over every entry: the same balance and totals as the walk's, and the same rows."""
    counted = []
    real = ledger_module._used_counts
    monkeypatch.setattr(ledger_module, "_used_counts", lambda *a: counted.append(real(*a)) or counted[-1])
    fast = build_ledger(city.register, city.reports)
    assert counted and counted[0] is not None  # the city's standards name no records by reference
    monkeypatch.setattr(ledger_module, "_used_counts", lambda *a: None)
    walked = build_ledger(city.register, city.reports)
    assert fast.files == walked.files and fast.balanced
    assert +fast.totals() == +walked.totals()
    assert fast.rows == walked.rows


def test_the_counts_of_every_fate_are_the_walks(tmp_path):
    """Rejected rows, a repeat, a separator row and records used or not, in two files: the
    counts without a walk are the walk's, whichever records are used."""
    from spm_rules.registers.contract import load_contract
    from spm_rules.registers.readers import read_folder

    (tmp_path / "kunjungan_ptm.csv").write_text(
        "nik,tanggal,fasilitas,sistolik\n"
        "3275014202890001,2018-03-02,Puskesmas 01,120\n"
        "3275014202890001,2018-03-02,Puskesmas 01,120\n"  # a repeat
        ",,,\n"  # separators only
        "3275014202890001,2018-02-30,Puskesmas 01,120\n"  # no such date
        "3275015507010002,2018-03-01,Puskesmas 01,135\n",
        encoding="utf-8",
    )
    (tmp_path / "penduduk.csv").write_text(
        "nik,nama,jenis_kelamin,tanggal_lahir,fasilitas\n"
        "3275014202890001,A,P,1989-02-02,Puskesmas 01\n"
        "32750155070100,B,L,2001-07-15,Puskesmas 01\n"  # a NIK of 14 digits
        "3275015507010002,C,P,2001-07-15,Puskesmas 01\n",
        encoding="utf-8",
    )

    def read():
        return read_folder(tmp_path, load_contract(), today=dt.date(2026, 1, 1))

    register = read()
    assert {e.fate for e in register.entries} == set(Fate)
    kinds = {kind: len(recs) for kind, recs in register.records.items()}
    for chosen in (lambda n: [], lambda n: range(n), lambda n: range(0, n, 2)):
        used = {kind: bytearray(1 if i in chosen(n) else 0 for i in range(n)) for kind, n in kinds.items()}
        # counted on a register whose records were never made (runs of kept rows)...
        fresh = read()
        counts = ledger_module._used_counts(fresh, used, set())
        assert not fresh.entries.made and not any(recs.made for recs in fresh.records.values())
        # ...equal to the walk's on one whose records were
        records = ledger_module._records(register, used)
        assert len(records) == sum(map(sum, used.values()))
        fates = ledger_module._used_fates(register, records, set())
        assert counts == Counter(zip((e.ref.file for e in register.entries), fates, strict=True))
    every = {kind: bytearray([1] * n) for kind, n in kinds.items()}
    # records named by reference (an interpreted standard's): found by file and line on a
    # register whose records were never made, counted once where also used by position, a
    # rejected row named keeping its fate; the walk's counts
    refs = {e.ref for e in register.entries}
    for chosen in (lambda n: [], lambda n: range(0, n, 2)):
        used = {kind: bytearray(1 if i in chosen(n) else 0 for i in range(n)) for kind, n in kinds.items()}
        for named in (refs, set(list(refs)[::2])):
            fresh = read()
            counts = ledger_module._used_counts(fresh, used, named)
            assert counts is not None and not fresh.entries.made
            fates = ledger_module._used_fates(register, ledger_module._records(register, used), named)
            assert counts == Counter(zip((e.ref.file for e in register.entries), fates, strict=True))
    # a reference to no entry, entries made whole, entries not the register's own: the walk
    from spm_rules.model import RecordRef

    assert ledger_module._used_counts(read(), {}, {RecordRef("nowhere.csv", 2)}) is None
    assert ledger_module._used_counts(register, {}, {register.entries[0].ref}) is None
    other = dataclasses.replace(register, entries=list(register.entries))
    assert ledger_module._used_counts(other, every, set()) is None
