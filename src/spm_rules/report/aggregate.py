"""Aggregate a standard per facility: numerator, denominator (with its source), capaian, reasons.

The counts come from the engine's tally (`engine/tally.py`), not from walking the verdicts
here: the compiled path tallies its query rows without building a verdict per subject.
Capaian is kept as an exact fraction; rounding happens only when a renderer displays it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from ..engine.keys import Keys
from ..engine.period import Period
from ..engine.tally import Tally, failed_ids, tally_verdicts
from ..engine.verdict import ALL, UNKNOWN_FACILITY, Denominator, DenomSource, Verdict
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
    counted_keys: Keys = field(default_factory=Keys)
    not_counted_keys: Keys = field(default_factory=Keys)

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
    verdicts: Sequence[Verdict]  # the compiled path's builds each verdict when read
    out_of_period: int
    out_of_population: int

    @property
    def target_reached(self) -> bool | None:
        cap = self.total.capaian
        if cap is None or self.standard.target is None:
            return None
        return cap >= Fraction(self.standard.target)


def _in_criterion_order(counts: Counter, position: dict[str, int]) -> Counter:
    """Ties of `most_common` in the order the standard declares its criteria (never hash order)."""
    return Counter(dict(sorted(counts.items(), key=lambda kv: position.get(kv[0], len(position)))))


def aggregate(
    std: A.Standard,
    verdicts: Sequence[Verdict],
    denominators: dict[str, Denominator],
    period: Period,
    tally: Tally | None = None,
) -> StandardReport:
    """Numerators and reasons per facility from the standard's tally (made from the verdicts
    when not given); denominators as the engine resolved them."""
    tally = tally if tally is not None else tally_verdicts(verdicts)
    rows: dict[str, Row] = {
        fac: Row(
            fac,
            subjects=t.subjects,
            numerator=t.counted,
            failing=t.failing,
            informative=t.informative,
            counted_keys=t.counted_keys,
            not_counted_keys=t.not_counted_keys,
        )
        for fac, t in tally.facilities.items()
    }
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
    return StandardReport(std, period, ordered, total, verdicts, tally.out_of_period, tally.out_of_population)
