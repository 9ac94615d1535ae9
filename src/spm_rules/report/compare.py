"""Two reports of the same registers under two rule sets, compared: per service and facility
the counts under each, and every subject whose verdict changed with the criteria responsible.

Planners see what a change of regulation does to their numbers, auditors see why, case by case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ..engine.verdict import Verdict
from ..lang import ast as A
from ..model import RecordRef
from .aggregate import Row, StandardReport, failed_ids


class State(StrEnum):
    COUNTED = "counted"
    NOT_COUNTED = "not_counted"
    OUT_OF_SCOPE = "out_of_scope"  # a subject of the standard, outside its period or population
    ABSENT = "absent"  # not a subject of the standard under this set (or no such standard)


@dataclass(frozen=True)
class SubjectChange:
    subject: str
    facility: str | None
    before: State
    after: State
    failed_before: tuple[str, ...]  # criteria not met under the first set (ids)
    failed_after: tuple[str, ...]
    ref: RecordRef | None


@dataclass(frozen=True)
class FacilityDiff:
    facility: str
    before: Row | None
    after: Row | None


@dataclass
class ServiceDiff:
    standard_id: str
    before: StandardReport | None
    after: StandardReport | None
    rows: list[FacilityDiff] = field(default_factory=list)
    total: FacilityDiff | None = None
    changes: list[SubjectChange] = field(default_factory=list)

    @property
    def standard(self) -> A.Standard:
        report = self.after or self.before
        assert report is not None
        return report.standard

    def count(self, before: State, after: State) -> int:
        return sum(1 for c in self.changes if c.before == before and c.after == after)


def _state(v: Verdict | None) -> State:
    if v is None:
        return State.ABSENT
    if not (v.in_period and v.in_population):
        return State.OUT_OF_SCOPE
    return State.COUNTED if v.counted else State.NOT_COUNTED


def _failed(v: Verdict | None) -> tuple[str, ...]:
    if v is None or v.counted or not (v.in_period and v.in_population):
        return ()
    return tuple(failed_ids(v.criteria))


def compare_service(sid: str, before: StandardReport | None, after: StandardReport | None) -> ServiceDiff:
    diff = ServiceDiff(sid, before, after)
    rows_b = {r.facility: r for r in before.rows} if before else {}
    rows_a = {r.facility: r for r in after.rows} if after else {}
    diff.rows = [FacilityDiff(f, rows_b.get(f), rows_a.get(f)) for f in sorted(rows_b.keys() | rows_a.keys())]
    diff.total = FacilityDiff("*", before.total if before else None, after.total if after else None)
    vb = {v.subject: v for v in before.verdicts} if before else {}
    va = {v.subject: v for v in after.verdicts} if after else {}
    for subject in sorted(vb.keys() | va.keys()):
        b, a = vb.get(subject), va.get(subject)
        sb, sa = _state(b), _state(a)
        if sb == sa or {sb, sa} <= {State.ABSENT, State.OUT_OF_SCOPE}:
            continue  # outside under both: not a change anyone counts
        shown = a if a is not None and sa != State.ABSENT else b
        diff.changes.append(
            SubjectChange(
                subject,
                shown.facility if shown else None,
                sb,
                sa,
                _failed(b),
                _failed(a),
                shown.subject_ref if shown else None,
            )
        )
    diff.changes.sort(key=lambda c: (c.facility or "", c.subject))
    return diff


def compare_reports(before: list[StandardReport], after: list[StandardReport]) -> list[ServiceDiff]:
    """Standards of both sets by id, in the first set's order, then those only the second has."""
    by_b = {r.standard.id: r for r in before}
    by_a = {r.standard.id: r for r in after}
    order = list(by_b) + [sid for sid in by_a if sid not in by_b]
    return [compare_service(sid, by_b.get(sid), by_a.get(sid)) for sid in order]
