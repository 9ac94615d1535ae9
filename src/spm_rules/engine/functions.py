"""The implementations of the built-in functions, one per declaration in `lang/builtins.py`.

Each takes the evaluated arguments and the call's context (the period, and for denominators
the sasaran table) and returns a value or `Missing`. Arguments that are not recorded never
reach a function declared `OnMissing.PROPAGATE`: the interpreter returns the first of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .period import Period
from .verdict import Missing


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a call may know besides its arguments."""

    period: Period
    # code -> the sasaran table's number for the facility being counted (None: no row)
    sasaran: Callable[[str], Decimal | None] | None = None


def age_years(birth: dt.date, on: dt.date) -> int:
    """Completed years on a date (a 29 February birthday is reached on 1 March)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def age_months(birth: dt.date, on: dt.date) -> int:
    return (on.year - birth.year) * 12 + on.month - birth.month - (on.day < birth.day)


def add_months(day: dt.date, n: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + n
    y, m = divmod(total, 12)
    m += 1
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(y, m, min(day.day, last))


def hours_between(day1: dt.date, time1: str, day2: dt.date, time2: str) -> Decimal | Missing:
    """Exact hours between two moments; a clock that is not HH:MM is not a time (missing)."""
    try:
        h1, m1 = (int(x) for x in str(time1).split(":"))
        h2, m2 = (int(x) for x in str(time2).split(":"))
        start = dt.datetime.combine(day1, dt.time(h1, m1))
        end = dt.datetime.combine(day2, dt.time(h2, m2))
    except ValueError:
        return Missing("jam", code="missing.not_a_time")
    minutes = int((end - start).total_seconds()) // 60
    return Decimal(minutes) / Decimal(60)


def _is_missing(v: Any) -> bool:
    return isinstance(v, Missing)


def _sasaran(args: list[Any], ctx: CallContext) -> Any:
    found = ctx.sasaran(str(args[0])) if ctx.sasaran is not None else None
    return Missing(str(args[0]), code="missing.no_sasaran") if found is None else found


Impl = Callable[[list[Any], CallContext], Any]

IMPLEMENTATIONS: dict[str, Impl] = {
    "age_years": lambda a, _c: Decimal(age_years(a[0], a[1])),
    "age_months": lambda a, _c: Decimal(age_months(a[0], a[1])),
    "age_days": lambda a, _c: Decimal((a[1] - a[0]).days),
    "days_between": lambda a, _c: Decimal((a[1] - a[0]).days),
    "weeks_between": lambda a, _c: Decimal((a[1] - a[0]).days // 7),
    "add_days": lambda a, _c: a[0] + dt.timedelta(days=int(a[1])),
    "add_months": lambda a, _c: add_months(a[0], int(a[1])),
    "hours_between": lambda a, _c: hours_between(a[0], a[1], a[2], a[3]),
    "year": lambda a, _c: Decimal(a[0].year),
    "month": lambda a, _c: Decimal(a[0].month),
    "abs": lambda a, _c: abs(a[0]),
    "in_period": lambda a, c: c.period.contains(a[0]),
    "present": lambda a, _c: not _is_missing(a[0]),
    "coalesce": lambda a, _c: next((x for x in a if not _is_missing(x)), a[-1]),
    "least": lambda a, _c: min(a),
    "greatest": lambda a, _c: max(a),
    "sasaran": _sasaran,
}
