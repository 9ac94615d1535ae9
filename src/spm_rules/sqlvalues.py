"""How a record's typed value is given to DuckDB: one conversion, shared by the reader that
keeps typed rows (`registers.duckcsv`) and the engine's tables (`engine.compiled.load`), so
that a table built from either holds the same values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

# the contract's field types as DuckDB column types (any other: its text)
SQL_TYPES = {"number": "DOUBLE", "integer": "DOUBLE", "string": "VARCHAR", "date": "DATE", "bool": "BOOLEAN"}


def sql_type(ftype: str) -> str:
    return SQL_TYPES.get(ftype, "VARCHAR")


def cell(value: Any, ftype: str) -> Any:
    """One value as DuckDB converts it without surprises: a number as a float, a date as a
    date, a flag as a bool, anything else as its text (None stays None)."""
    if value is None:
        return None
    if ftype in ("number", "integer"):
        return float(value) if isinstance(value, Decimal | int | float) else None
    if ftype == "date":
        return value if isinstance(value, dt.date) else None
    if ftype == "bool":
        return bool(value)
    return str(value)


def column(values: list[Any] | tuple[Any, ...], ftype: str) -> list[Any]:
    """One field of many records, converted as `cell` converts each (a column of plain floats,
    texts or dates is passed as it is)."""
    if ftype in ("number", "integer"):
        return [None if v is None else float(v) for v in values]
    if ftype == "string" and all(v is None or type(v) is str for v in values):
        return list(values)
    if ftype == "date" and all(v is None or type(v) is dt.date for v in values):
        return list(values)
    return [cell(v, ftype) for v in values]
