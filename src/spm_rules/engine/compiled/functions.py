"""The SQL form of every built-in function of the catalogue (`lang/builtins.py`).

Keyed by the catalogue's names: each built-in is either compiled here or declared not
compilable with the reason (a test holds the two sets equal to the catalogue). Every form keeps
the interpreter's meaning: a missing argument of a propagating function gives NULL (SQL's own
rule, made explicit where a SQL function would ignore NULL, as LEAST/GREATEST do).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlglot import exp

from ..period import Period

SqlForm = Callable[[list[exp.Expression], Period], exp.Expression]


def date_lit(day: dt.date) -> exp.Expression:
    return exp.cast(exp.Literal.string(day.isoformat()), exp.DataType.Type.DATE)


def num(n: int | float | str) -> exp.Expression:
    return exp.Literal.number(n)


def paren(e: exp.Expression) -> exp.Expression:
    return e if isinstance(e, exp.Paren | exp.Column | exp.Literal | exp.Null) else exp.Paren(this=e)


def case(*whens: tuple[exp.Expression, exp.Expression], default: exp.Expression | None = None) -> exp.Case:
    out = exp.Case()
    for cond, value in whens:
        out = out.when(cond, value, copy=False)
    return out.else_(default, copy=False) if default is not None else out


def any_null(args: list[exp.Expression]) -> exp.Expression:
    return exp.or_(*(exp.Is(this=paren(a.copy()), expression=exp.Null()) for a in args), copy=False)


def _part(unit: str, day: exp.Expression) -> exp.Expression:
    return {"year": exp.Year, "month": exp.Month, "day": exp.Day}[unit](this=paren(day.copy()))


def days(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """Days from a to b (negative if b is earlier)."""
    return exp.DateDiff(this=paren(b), expression=paren(a), unit=exp.var("DAY"))


def _age_years(a: list[exp.Expression], _p: Period) -> exp.Expression:
    birth, on = a
    later = exp.LT(
        this=paren(
            exp.Add(this=exp.Mul(this=_part("month", on), expression=num(100)), expression=_part("day", on))
        ),
        expression=paren(
            exp.Add(
                this=exp.Mul(this=_part("month", birth), expression=num(100)), expression=_part("day", birth)
            )
        ),
    )
    diff = exp.Sub(this=_part("year", on), expression=_part("year", birth))
    return paren(exp.Sub(this=diff, expression=case((later, num(1)), default=num(0))))


def _age_months(a: list[exp.Expression], _p: Period) -> exp.Expression:
    birth, on = a
    years = exp.Mul(
        this=paren(exp.Sub(this=_part("year", on), expression=_part("year", birth))), expression=num(12)
    )
    months = exp.Sub(
        this=exp.Add(this=years, expression=_part("month", on)), expression=_part("month", birth)
    )
    early = exp.LT(this=_part("day", on), expression=_part("day", birth))
    return paren(exp.Sub(this=months, expression=case((early, num(1)), default=num(0))))


def _whole(n: exp.Expression) -> exp.Expression:
    """A number truncated towards zero, as an integer (Python's int())."""
    return exp.cast(exp.Anonymous(this="TRUNC", expressions=[paren(n)]), exp.DataType.Type.INT)


def _add_days(a: list[exp.Expression], _p: Period) -> exp.Expression:
    return paren(exp.Add(this=paren(a[0]), expression=_whole(a[1])))


def _add_months(a: list[exp.Expression], _p: Period) -> exp.Expression:
    shifted = exp.DateAdd(this=paren(a[0]), expression=_whole(a[1]), unit=exp.var("MONTH"))
    return exp.cast(shifted, exp.DataType.Type.DATE)


def _weeks(a: list[exp.Expression], _p: Period) -> exp.Expression:
    d = exp.cast(days(a[0], a[1]), exp.DataType.Type.DOUBLE)
    return exp.Floor(this=exp.Div(this=d, expression=num(7)))


def _minute_of_day(t: exp.Expression) -> exp.Expression:
    """`HH:MM` as minutes since midnight; NULL when the text is not a time (TRY_CAST)."""

    def piece(i: int) -> exp.Expression:
        args = [paren(t.copy()), exp.Literal.string(":"), num(i)]
        part = exp.Anonymous(this="SPLIT_PART", expressions=args)
        return exp.TryCast(this=part, to=exp.DataType.build("INT"))

    return paren(exp.Add(this=exp.Mul(this=piece(1), expression=num(60)), expression=piece(2)))


def _hours_between(a: list[exp.Expression], _p: Period) -> exp.Expression:
    """Exact hours between a date and time and another (minutes / 60, as the interpreter)."""
    d1, t1, d2, t2 = a
    minutes = exp.Add(
        this=exp.Mul(this=days(d1, d2), expression=num(1440)),
        expression=exp.Sub(this=_minute_of_day(t2), expression=_minute_of_day(t1)),
    )
    return exp.Div(this=exp.cast(paren(minutes), exp.DataType.Type.DOUBLE), expression=num(60))


def _in_period(a: list[exp.Expression], p: Period) -> exp.Expression:
    return paren(exp.Between(this=paren(a[0]), low=date_lit(p.start), high=date_lit(p.end)))


def _extreme(cls: type[exp.Expression]) -> SqlForm:
    def form(a: list[exp.Expression], _p: Period) -> exp.Expression:
        return case((any_null(a), exp.Null()), default=cls(this=a[0], expressions=a[1:]))

    return form


SQL_FORMS: dict[str, SqlForm] = {
    "age_years": _age_years,
    "age_months": _age_months,
    "age_days": lambda a, _p: days(a[0], a[1]),
    "days_between": lambda a, _p: days(a[0], a[1]),
    "hours_between": _hours_between,
    "weeks_between": _weeks,
    "add_days": _add_days,
    "add_months": _add_months,
    "year": lambda a, _p: _part("year", a[0]),
    "month": lambda a, _p: _part("month", a[0]),
    "abs": lambda a, _p: exp.Abs(this=a[0]),
    "in_period": _in_period,
    "present": lambda a, _p: paren(exp.Not(this=exp.Is(this=paren(a[0]), expression=exp.Null()))),
    "coalesce": lambda a, _p: exp.Coalesce(this=a[0], expressions=a[1:]),
    "least": _extreme(exp.Least),
    "greatest": _extreme(exp.Greatest),
}

# built-ins the compiler leaves to the interpreter, and why
NOT_COMPILABLE: dict[str, str] = {
    "sasaran": "denominators are resolved per facility by the interpreter (engine/denominators.py)",
}
