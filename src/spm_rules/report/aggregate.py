"""Aggregate verdicts per facility: numerator, denominator (with its source), capaian, reasons.

Capaian is kept as an exact fraction; rounding happens only when a renderer displays it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from ..engine.period import Period
from ..engine.verdict import NodeResult, Status, Verdict
from ..lang import ast as A
from ..lang.printer import to_source
from ..registers.readers import Register
from ..registers.records import RecordRef

ALL = "*"
UNKNOWN_FACILITY = "(tidak diketahui)"


@dataclass(frozen=True, slots=True)
class DenomSource:
    """Where a denominator came from: kind is 'sasaran', 'estimate', 'counted' or 'sum'."""

    kind: str
    expr: str
    refs: tuple[RecordRef, ...] = ()


@dataclass
class Row:
    facility: str
    subjects: int = 0  # subjects in the population attributed here (from records)
    numerator: int = 0
    denominator: Decimal | None = None
    source: DenomSource | None = None
    failing: Counter = field(default_factory=Counter)
    informative: Counter = field(default_factory=Counter)
    counted_keys: list[str] = field(default_factory=list)
    not_counted_keys: list[str] = field(default_factory=list)

    @property
    def capaian(self) -> Fraction | None:
        if self.denominator is None or self.denominator <= 0:
            return None
        return Fraction(self.numerator) / Fraction(self.denominator)

    @property
    def without_records(self) -> int:
        """Sasaran with no record of service at all (denominator beyond the subjects seen)."""
        if self.denominator is None or self.source is None or self.source.kind == "counted":
            return 0
        gap = self.denominator - self.subjects
        return int(gap) if gap > 0 and gap == gap.to_integral_value() else 0


@dataclass
class StandardReport:
    standard: A.Standard
    period: Period
    rows: list[Row]
    total: Row
    verdicts: list[Verdict]
    out_of_period: int
    out_of_population: int

    @property
    def target_reached(self) -> bool | None:
        cap = self.total.capaian
        if cap is None or self.standard.target is None:
            return None
        return cap >= Fraction(self.standard.target)


class _Unavailable(Exception):
    pass


def _sasaran_table(register: Register) -> dict[tuple[str, int, str], tuple[Decimal, RecordRef]]:
    table: dict[tuple[str, int, str], tuple[Decimal, RecordRef]] = {}
    for rec in register.of_kind("sasaran"):
        key = (str(rec.get("indikator")), int(rec.get("tahun")), str(rec.get("fasilitas")).strip())
        if key[2].upper() == "SEMUA":
            key = (key[0], key[1], ALL)
        table.setdefault(key, (rec.get("jumlah"), rec.ref))
    return table


def failed_ids(nodes: tuple[NodeResult, ...], informative: bool = False) -> list[str]:
    """Ids of the criteria that were not met (the group's id if no child says why)."""
    out: list[str] = []
    for node in nodes:
        if node.status != Status.NOT_MET or node.informative != informative:
            if node.is_group and node.status == Status.NOT_MET:
                out.extend(failed_ids(node.children, informative))
            continue
        if node.is_group:
            inner = failed_ids(node.children, informative)
            out.extend(inner or [node.id])
        else:
            out.append(node.id)
    return out


def _eval_denominator(expr: A.Expr, level: str, year: int, table, refs: list) -> Decimal:
    match expr:
        case A.Literal(value=v) if isinstance(v, Decimal):
            return v
        case A.Unary(op="-", operand=o):
            return -_eval_denominator(o, level, year, table, refs)
        case A.Binary(op=op, left=left, right=right):
            a = _eval_denominator(left, level, year, table, refs)
            b = _eval_denominator(right, level, year, table, refs)
            return {"+": a + b, "-": a - b, "*": a * b}.get(op) if op != "/" else (a / b if b else Decimal(0))
        case A.Call(func="sasaran", args=(A.Literal(value=code),)):
            hit = table.get((str(code), year, level))
            if hit is None:
                raise _Unavailable
            refs.append(hit[1])
            return hit[0]
        case A.Call(func=("least" | "greatest") as f, args=args):
            vals = [_eval_denominator(a, level, year, table, refs) for a in args]
            return min(vals) if f == "least" else max(vals)
    raise _Unavailable


def _denominator(std: A.Standard, level: str, counted: int | None, year: int, table):
    """(value, source) for one facility (counted given) or the whole area (counted None)."""
    for alt in std.denominator:
        if alt.expr is None:
            if counted is None:
                continue  # for the whole area, 'counted' is the sum of the facility rows
            return Decimal(counted), DenomSource("counted", "counted")
        refs: list[RecordRef] = []
        try:
            value = _eval_denominator(alt.expr, level, year, table, refs)
        except _Unavailable:
            continue
        kind = "sasaran" if isinstance(alt.expr, A.Call) else "estimate"
        return value, DenomSource(kind, to_source(alt.expr), tuple(refs))
    return None, None


def aggregate(std: A.Standard, verdicts: list[Verdict], register: Register, period: Period) -> StandardReport:
    table = _sasaran_table(register)
    rows: dict[str, Row] = {}
    out_of_period = sum(1 for v in verdicts if not v.in_period)
    out_of_population = sum(1 for v in verdicts if v.in_period and not v.in_population)
    for v in verdicts:
        if not v.in_population:
            continue
        fac = v.facility or UNKNOWN_FACILITY
        row = rows.setdefault(fac, Row(fac))
        row.subjects += 1
        if v.counted:
            row.numerator += 1
            row.counted_keys.append(v.subject)
        else:
            row.not_counted_keys.append(v.subject)
            row.failing.update(set(failed_ids(v.criteria)))
        row.informative.update(set(failed_ids(v.criteria, informative=True)))
    # facilities that have a sasaran but no subject still appear, with 0 served
    codes = {
        alt.expr.args[0].value
        for alt in std.denominator
        if isinstance(alt.expr, A.Call) and alt.expr.func == "sasaran"
    }
    for code, year, fac in table:
        if code in codes and year == period.year and fac != ALL:
            rows.setdefault(fac, Row(fac))
    for row in rows.values():
        row.denominator, row.source = _denominator(std, row.facility, row.subjects, period.year, table)
    ordered = sorted(rows.values(), key=lambda r: (r.facility == UNKNOWN_FACILITY, r.facility))
    total = Row("Jumlah")
    for row in ordered:
        total.subjects += row.subjects
        total.numerator += row.numerator
        total.failing.update(row.failing)
        total.informative.update(row.informative)
        total.counted_keys.extend(row.counted_keys)
        total.not_counted_keys.extend(row.not_counted_keys)
    value, source = _denominator(std, ALL, None, period.year, table)
    if value is None:
        denoms = [r.denominator for r in ordered if r.denominator is not None]
        value = sum(denoms, Decimal(0)) if denoms else None
        kinds = {r.source.kind for r in ordered if r.source}
        source = DenomSource("sum", "+".join(sorted(kinds)) or "counted")
    total.denominator, total.source = value, source
    return StandardReport(std, period, ordered, total, verdicts, out_of_period, out_of_population)
