"""The catalogue of built-in functions: each declared once.

A declaration says what a function is called, what it takes and gives, where it may be used,
how an explanation says it (Bahasa Indonesia and English) and its documentation line. The
checker types calls from it, the interpreter finds the implementation of the same name in
`engine/functions.py` (a test holds the two equal), the denominators use the same
implementations, `docs/language.md` lists the catalogue (generated, kept current by a test),
and a compiler to SQL reads the same names.

Adding a function: one `Builtin(...)` here, one implementation in `engine/functions.py`, its
tests (the semantics table in `tests/test_semantics.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .types import ANY, BOOL, DATE, NUMBER, STRING, T


class Where(StrEnum):
    """Where a call may stand."""

    RULES = "rules"  # criteria, lets, scope statements, defines
    DENOMINATOR = "denominator"  # only in a standard's `denominator`
    BOTH = "both"


class OnMissing(StrEnum):
    """What a not-recorded argument does."""

    PROPAGATE = "propagate"  # the first missing argument is the result
    SEES = "sees"  # the implementation receives `Missing` and decides


@dataclass(frozen=True, slots=True)
class Builtin:
    name: str
    params: tuple[T, ...] | None  # None: one or more arguments of one type
    result: T | None  # None: the type of the arguments
    phrase: str  # how an explanation names it, Bahasa Indonesia; {0}, {1}: the arguments
    phrase_en: str
    doc: str  # one line for docs/language.md
    where: Where = Where.RULES
    on_missing: OnMissing = OnMissing.PROPAGATE


# fmt: off
_DECLARED = (
    Builtin(
        "age_years", (DATE, DATE), NUMBER,
        "umur {0} pada {1} (tahun)", "age from {0} on {1} (years)",
        "Completed years from the first date to the second; a 29 February birthday is reached on 1 March.",
    ),
    Builtin(
        "age_months", (DATE, DATE), NUMBER,
        "umur {0} pada {1} (bulan)", "age from {0} on {1} (months)",
        "Completed months from the first date to the second (day of month compared).",
    ),
    Builtin(
        "age_days", (DATE, DATE), NUMBER,
        "umur {0} pada {1} (hari)", "age from {0} on {1} (days)",
        "Days from the first date to the second (negative if the second is earlier).",
    ),
    Builtin(
        "days_between", (DATE, DATE), NUMBER,
        "hari dari {0} sampai {1}", "days from {0} to {1}",
        "Days from the first date to the second (negative if the second is earlier).",
    ),
    Builtin(
        "weeks_between", (DATE, DATE), NUMBER,
        "minggu lengkap dari {0} sampai {1}", "completed weeks from {0} to {1}",
        "Completed weeks (days // 7, rounded towards minus infinity) from the first date to the second.",
    ),
    Builtin(
        "add_days", (DATE, NUMBER), DATE,
        "{0} ditambah {1} hari", "{0} plus {1} days",
        "The date so many days later (earlier if negative); the number is truncated to whole days.",
    ),
    Builtin(
        "add_months", (DATE, NUMBER), DATE,
        "{0} ditambah {1} bulan", "{0} plus {1} months",
        "The same day so many months later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb).",
    ),
    Builtin(
        "hours_between", (DATE, STRING, DATE, STRING), NUMBER,
        "jam dari {0} {1} sampai {2} {3}", "hours from {0} {1} to {2} {3}",
        "Hours (with fractions: 90 minutes = 1.5) from a date and time of day (`HH:MM`, a contract "
        "`time` field) to another; a time that is not `HH:MM` gives missing.",
    ),
    Builtin("year", (DATE,), NUMBER, "tahun {0}", "year of {0}", "The calendar year of a date."),
    Builtin("month", (DATE,), NUMBER, "bulan {0}", "month of {0}", "The month of a date, 1-12."),
    Builtin("abs", (NUMBER,), NUMBER, "nilai mutlak {0}", "absolute value of {0}", "The absolute value."),
    Builtin(
        "in_period", (DATE,), BOOL,
        "{0} dalam periode", "{0} within the period",
        "True when the date lies in the reporting period (first and last day included).",
    ),
    Builtin(
        "present", (ANY,), BOOL,
        "{0} tercatat", "{0} recorded",
        "True when the value is recorded; never missing itself.",
        on_missing=OnMissing.SEES,
    ),
    Builtin(
        "coalesce", None, None,
        "yang pertama tercatat dari {args}", "the first recorded of {args}",
        "The first argument that is recorded; missing if none is.",
        on_missing=OnMissing.SEES,
    ),
    Builtin(
        "least", None, None,
        "terkecil dari {args}", "the least of {args}",
        "The smallest argument; missing if any is missing.",
        where=Where.BOTH,
    ),
    Builtin(
        "greatest", None, None,
        "terbesar dari {args}", "the greatest of {args}",
        "The largest argument; missing if any is missing.",
        where=Where.BOTH,
    ),
    Builtin(
        "sasaran", (STRING,), NUMBER,
        "sasaran {0}", "target population {0}",
        "The sasaran table's number for this code, year and facility (the whole area for the total "
        "row); only in `denominator`, with a quoted code. No row: the next alternative is tried.",
        where=Where.DENOMINATOR,
    ),
)

# fmt: on

BUILTINS: dict[str, Builtin] = {b.name: b for b in _DECLARED}


def _type_text(types: tuple[T, ...] | None) -> str:
    return "one or more values of one type" if types is None else ", ".join(str(t) for t in types)


def catalogue_markdown() -> str:
    """The built-in functions as a Markdown table, for docs/language.md (kept current by a test)."""
    rows = [
        "| function | arguments | result | where | missing argument | meaning | explained as (id / en) |",
        "|---|---|---|---|---|---|---|",
    ]
    for b in BUILTINS.values():
        result = "the arguments' type" if b.result is None else str(b.result)
        missing = "gives missing" if b.on_missing == OnMissing.PROPAGATE else "seen by the function"
        rows.append(
            f"| `{b.name}` | {_type_text(b.params)} | {result} | {b.where.value} | {missing} | {b.doc} "
            f"| {b.phrase} / {b.phrase_en} |"
        )
    return "\n".join(rows) + "\n"
