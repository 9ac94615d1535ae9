"""Aggregate verdicts per facility: numerator, denominator (with its source), capaian, reasons.

Capaian is kept as an exact fraction; rounding happens only when a renderer displays it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from ..engine.period import Period
from ..engine.verdict import ALL, UNKNOWN_FACILITY, Denominator, DenomSource, NodeResult, Status, Verdict
from ..lang import ast as A

__all__ = ["ALL", "UNKNOWN_FACILITY", "DenomSource", "Row", "StandardReport", "aggregate", "failed_ids"]


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


def _in_criterion_order(counts: Counter, position: dict[str, int]) -> Counter:
    """Ties of `most_common` in the order the standard declares its criteria (never hash order)."""
    return Counter(dict(sorted(counts.items(), key=lambda kv: position.get(kv[0], len(position)))))


def aggregate(
    std: A.Standard, verdicts: list[Verdict], denominators: dict[str, Denominator], period: Period
) -> StandardReport:
    """Numerators and reasons per facility from the verdicts; denominators as the engine resolved them."""
    rows: dict[str, Row] = {}
    out_of_period = sum(1 for v in verdicts if not v.in_period)
    out_of_population = sum(1 for v in verdicts if v.in_period and not v.in_population)
    # the failed criteria of each criteria tuple, found once: the compiled path shares one
    # tuple among the subjects with the same codes (keyed by identity, the tuple kept alive)
    failed: dict[int, tuple[tuple[NodeResult, ...], dict[str, int], dict[str, int]]] = {}
    for v in verdicts:
        if not v.in_population:
            continue
        fac = v.facility or UNKNOWN_FACILITY
        row = rows.get(fac)
        if row is None:
            row = rows[fac] = Row(fac)
        found = failed.get(id(v.criteria))
        if found is None:
            found = failed[id(v.criteria)] = (
                v.criteria,
                dict.fromkeys(failed_ids(v.criteria), 1),
                dict.fromkeys(failed_ids(v.criteria, informative=True), 1),
            )
        row.subjects += 1
        if v.counted:
            row.numerator += 1
            row.counted_keys.append(v.subject)
        else:
            row.not_counted_keys.append(v.subject)
            row.failing.update(found[1])
        row.informative.update(found[2])
    for fac, denom in denominators.items():
        if fac != ALL:
            row = rows.setdefault(fac, Row(fac))  # a sasaran but no subject: 0 served
            row.denominator, row.source = denom.value, denom.source
    ordered = sorted(rows.values(), key=lambda r: (r.facility == UNKNOWN_FACILITY, r.facility))
    total = Row(ALL)
    for row in ordered:
        total.subjects += row.subjects
        total.numerator += row.numerator
        total.failing.update(row.failing)
        total.informative.update(row.informative)
        total.counted_keys.extend(row.counted_keys)
        total.not_counted_keys.extend(row.not_counted_keys)
    area = denominators.get(ALL, Denominator(None, None))
    value, source = area.value, area.source
    if value is None:
        denoms = [r.denominator for r in ordered if r.denominator is not None]
        value = sum(denoms, Decimal(0)) if denoms else None
        kinds = {r.source.kind for r in ordered if r.source}
        source = DenomSource("sum", "+".join(sorted(kinds)) or "counted")
    total.denominator, total.source = value, source
    position = {node.id: i for i, node in enumerate(A.iter_nodes(std.criteria))}
    for row in [*ordered, total]:
        row.failing = _in_criterion_order(row.failing, position)
        row.informative = _in_criterion_order(row.informative, position)
    return StandardReport(std, period, ordered, total, verdicts, out_of_period, out_of_population)
