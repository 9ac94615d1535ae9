"""A compiled query's rows kept in the register's database until a subject's verdict reads them
(`QueryRows` with `keep`) are the rows fetched at once: the same packed values in the subjects'
order — on a table large enough for DuckDB to scan it in parallel, where a list without an
order would not be in it — the same counts and rows in scope; the kept table is dropped once
read, or when the rows are no longer held."""

from __future__ import annotations

import gc

from hypothesis import given
from hypothesis import strategies as st

from spm_rules.engine.compiled.verdicts import QueryRows
from spm_rules.engine.period import parse_period
from spm_rules.engine.verdict import or_masks
from spm_rules.registers.duckcsv import Database

ROWS = 600_000


def _tables(con) -> set[str]:
    return {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


def test_kept_rows_are_the_rows_fetched_at_once():
    period = parse_period("2018")
    with Database(keep=True) as db:
        con = db.cursor()
        con.execute(
            "CREATE TEMP TABLE vr AS SELECT i AS _rid, "
            "CASE WHEN i % 13 = 0 THEN NULL ELSE DATE '2017-12-01' + (i % 400)::INTEGER END AS _pdate, "
            "CASE WHEN i % 7 = 0 THEN TRUE WHEN i % 11 = 0 THEN NULL ELSE i % 3 = 0 END AS _pop, "
            "CASE WHEN i % 17 = 0 THEN NULL ELSE 'Puskesmas ' || (i * 7919 % 53)::VARCHAR END AS _fac, "
            "'T' || (i * 104729 % 41)::VARCHAR AS _codes FROM range(?) r(i) ORDER BY hash(i)",
            [ROWS],
        )
        now = QueryRows(con, "vr", period, True, "x")
        later = QueryRows(con, "vr", period, True, "x", keep=db)
        kept = [t for t in _tables(con) if t.startswith("_packed_")]
        assert len(kept) == 1 and later._packed is None
        assert len(later) == len(now) == ROWS
        assert (later.out_of_period, later.out_of_population) == (now.out_of_period, now.out_of_population)
        assert later.in_scope == now.in_scope
        assert later.packed == now.packed  # read: fetched in the subjects' order...
        assert [later.row(i) for i in range(0, ROWS, 997)] == [now.row(i) for i in range(0, ROWS, 997)]
        assert not _tables(con) & set(kept)  # ...and dropped
        # rows never read: their table dropped with them
        again = QueryRows(con, "vr", period, True, "x", keep=db)
        assert any(t.startswith("_packed_") for t in _tables(con))
        del again
        gc.collect()
        assert not any(t.startswith("_packed_") for t in _tables(con))
        con.close()


def test_one_row_each_subject():
    """A query's rows are one per subject (`_rid` 0…n-1, each once) — not a row missing, a
    repeat, a position out of range, or a table of another length."""
    import duckdb

    from spm_rules.engine.compiled.load import one_row_each

    con = duckdb.connect()
    for rids, n, whole in [
        ([2, 0, 1], 3, True),
        ([0, 1, 1], 3, False),  # a repeat (and 2 missing)
        ([0, 0, 2], 3, False),  # a repeat, the first and last there
        ([0, 1, 3], 3, False),  # out of range
        ([0, 1, -1], 3, False),
        ([0, 1], 3, False),
        ([0, 1, 2, 3], 3, False),
        ([], 0, True),
        ([0], 0, False),
    ]:
        con.execute("CREATE OR REPLACE TABLE r AS SELECT unnest(?::BIGINT[]) AS _rid", [rids])
        assert one_row_each(con, "r", n) == (len(rids), whole), (rids, n)


@given(st.lists(st.tuples(st.booleans(), st.booleans()), max_size=300))
def test_masks_or_a_byte_per_position(pairs):
    a = bytearray(x for x, _ in pairs)
    b = bytearray(y for _, y in pairs)
    both = or_masks(a, b)
    assert isinstance(both, bytearray) and list(both) == [x | y for x, y in pairs]
