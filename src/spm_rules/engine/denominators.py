"""Denominators: per facility and for the whole area, from the standard's ordered alternatives.

Each alternative is evaluated by the interpreter (`value_of`), so `+ - * /`,
`least`/`greatest` and `sasaran(...)` mean what they mean in a rule. An alternative that is not
available — no sasaran row for the code, year and facility, or a value that is missing (a
division by zero included) — gives way to the next; `counted` is the number of subjects in the
population attributed to the facility. The area's `counted` is the sum of the facility rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal

from ..lang import ast as A
from ..lang.checker import RuleSet
from ..lang.printer import to_source
from ..model import RecordRef, Register
from .evaluate import value_of
from .functions import CallContext
from .period import Period
from .tally import Tally, tally_verdicts
from .verdict import ALL, Denominator, DenomSource, Missing, Verdict

SasaranTable = dict[tuple[str, int, str], tuple[Decimal, RecordRef]]


def sasaran_table(register: Register) -> SasaranTable:
    table: SasaranTable = {}
    for rec in register.of_kind("sasaran"):
        key = (str(rec.get("indikator")), int(rec.get("tahun")), str(rec.get("fasilitas")).strip())
        if key[2].upper() == "SEMUA":
            key = (key[0], key[1], ALL)
        table.setdefault(key, (rec.get("jumlah"), rec.ref))
    return table


def _sasaran_codes(std: A.Standard) -> set[str]:
    return {
        str(alt.expr.args[0].value)
        for alt in std.denominator
        if isinstance(alt.expr, A.Call) and alt.expr.func == "sasaran" and alt.expr.args
    }


def _resolve(
    rs: RuleSet,
    std: A.Standard,
    register: Register,
    period: Period,
    table: SasaranTable,
    level: str,
    counted: int | None,
) -> Denominator:
    for alt in std.denominator:
        if alt.expr is None:
            if counted is None:
                continue  # for the whole area, 'counted' is the sum of the facility rows
            return Denominator(Decimal(counted), DenomSource("counted", "counted"))
        refs: list[RecordRef] = []

        def lookup(code: str, refs: list[RecordRef] = refs) -> Decimal | None:
            hit = table.get((code, period.year, level))
            if hit is None:
                return None
            refs.append(hit[1])
            return hit[0]

        value = value_of(rs, std, register, period, alt.expr, None, CallContext(period, lookup))
        if isinstance(value, Missing):
            continue
        kind = "sasaran" if isinstance(alt.expr, A.Call) else "estimate"
        return Denominator(value, DenomSource(kind, to_source(alt.expr), tuple(refs)))
    return Denominator(None, None)


def denominators(
    rs: RuleSet,
    std: A.Standard,
    register: Register,
    period: Period,
    verdicts: Iterable[Verdict] | Tally,
) -> dict[str, Denominator]:
    """The denominator of every facility that has subjects or a sasaran row, and of the area
    (key `ALL`; None when no alternative applies to the area as a whole). `counted` is read
    from the standard's tally (made from the verdicts when they are given instead)."""
    table = sasaran_table(register)
    tally = verdicts if isinstance(verdicts, Tally) else tally_verdicts(verdicts)
    subjects = Counter(tally.subjects())
    codes = _sasaran_codes(std)
    facilities = set(subjects) | {
        fac for code, year, fac in table if code in codes and year == period.year and fac != ALL
    }
    out = {fac: _resolve(rs, std, register, period, table, fac, subjects[fac]) for fac in sorted(facilities)}
    out[ALL] = _resolve(rs, std, register, period, table, ALL, None)
    return out
