"""A column's judged values told by a cast where the cast says the same, so that its cells need
no join to their distinct texts.

The DuckDB reader judges each distinct text of a column once in Python and joins every row to
those judgements (`duckcsv._read`: one hash join per column of the file). Most texts of a
clean column are what a cast makes of them — `2018-04-07` is that date, `162` is 162.0, an
empty cell is no value — and their flags are the column's usual ones. Which texts those are is
not assumed: the cast is run on every distinct text and compared with the Python value, and
only the texts where the two differ, in value or flags, are joined. A column without such a
text is not joined at all (no column of the generated city is: its kept rows are written
about 15 % faster). Exact by construction: every row gets the value and flags its text was
judged to have.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, NamedTuple

# per SQL type of a kept value, the cast of a cell's text (`{}`) tried as its value
_CASTS = {
    "DOUBLE": "TRY_CAST({} AS DOUBLE)",
    "DATE": "TRY_CAST({} AS DATE)",
    "VARCHAR": "nullif({}, '')",
    "BOOLEAN": "TRY_CAST({} AS BOOLEAN)",
}
_EMPTY_FLAGS = 1  # an empty cell: plain, no value (`duckcsv._flags`)


class Cast(NamedTuple):
    """How a column's cells are told in SQL: the `value` of a cell (`{}` stands for it), the
    flags of an `empty` cell and of any `other`, and the texts (their indexes) these do not
    tell, which are joined."""

    value: str
    empty: int
    other: int
    others: list[int]


def cast_cells(con: Any, texts: list[str], values: list[Any], flags: list[int], sql_type: str) -> Cast | None:
    """The cast telling most of a column's distinct `texts` (with their typed `values` and
    `flags`, as judged in Python); None when there is none for the type or it tells none."""
    template = _CASTS.get(sql_type)
    if template is None or not texts:
        return None
    filled = Counter(f for text, f in zip(texts, flags, strict=True) if text != "")
    usual = filled.most_common(1)[0][0] if filled else _EMPTY_FLAGS
    empty = _EMPTY_FLAGS
    if "" in texts:
        empty = flags[texts.index("")]
    [(same,)] = con.execute(
        "SELECT list(i) FROM (SELECT unnest($1::VARCHAR[]) AS c, "
        f"unnest($2::{sql_type}[]) AS v, unnest(range($3)) AS i) "
        # the same value, and the same text of it (-0.0 is 0.0 but is not kept as it)
        f"WHERE {template.format('c')} IS NOT DISTINCT FROM v "
        f"AND CAST({template.format('c')} AS VARCHAR) IS NOT DISTINCT FROM CAST(v AS VARCHAR)",
        [texts, values, len(texts)],
    ).fetchall()
    told = set(same or ())
    others = [
        k
        for k, (text, f) in enumerate(zip(texts, flags, strict=True))
        if k not in told or f != (empty if text == "" else usual)
    ]
    if len(others) == len(texts):
        return None
    return Cast(template, empty, usual, others)
