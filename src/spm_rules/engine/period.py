"""Reporting periods: calendar year, school year (July-June), quarter, month."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..messages import BilingualError


@dataclass(frozen=True, slots=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date  # inclusive
    label: str

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    @property
    def year(self) -> int:
        """The year whose sasaran applies (a school year takes the year it starts in)."""
        return self.start.year


class PeriodError(BilingualError):
    """Period problems, in both languages."""


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def parse_period(spec: str, standard_kind: str = "year") -> Period:
    """`2024`, `2024/2025` (school year), `2024-Q3`, `2024-03`.

    A bare year means the standard's own kind of period: for a school-year standard, `2024`
    is the school year that starts in July 2024.
    """
    s = spec.strip()
    if m := re.fullmatch(r"(\d{4})", s):
        y = int(m[1])
        if standard_kind == "school_year":
            return Period("school_year", dt.date(y, 7, 1), dt.date(y + 1, 6, 30), f"{y}/{y + 1}")
        return Period("year", dt.date(y, 1, 1), dt.date(y, 12, 31), str(y))
    if m := re.fullmatch(r"(\d{4})/(\d{4})", s):
        y, y2 = int(m[1]), int(m[2])
        if y2 != y + 1:
            raise PeriodError(
                f"tahun ajaran harus dua tahun berurutan: {spec}",
                f"a school year must be two consecutive years: {spec}",
            )
        return Period("school_year", dt.date(y, 7, 1), dt.date(y2, 6, 30), f"{y}/{y2}")
    if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", s):
        y, q = int(m[1]), int(m[2])
        return Period("quarter", dt.date(y, 3 * q - 2, 1), _month_end(y, 3 * q), f"{y}-Q{q}")
    if m := re.fullmatch(r"(\d{4})-(\d{2})", s):
        y, mo = int(m[1]), int(m[2])
        if not 1 <= mo <= 12:
            raise PeriodError(f"bulan tidak ada: {spec}", f"no such month: {spec}")
        return Period("month", dt.date(y, mo, 1), _month_end(y, mo), f"{y}-{mo:02d}")
    raise PeriodError(
        f"periode tidak dikenal: {spec!r}; tulis 2024, 2024/2025, 2024-Q1 atau 2024-03",
        f"unknown period: {spec!r}; write 2024, 2024/2025, 2024-Q1 or 2024-03",
    )
