"""Verdict trees: what the engine concluded about one subject, and why.

A verdict holds structured facts (values, operators, records) and reasons as codes, never
sentences: the report layer's phrase catalogue turns them into Indonesian or English text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from ..lang import ast as A
from ..model import Reason, Record, RecordRef


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True)
class Fact:
    """One value the engine looked at.

    kind: "compare" (label op other), "between", "in", "present", "missing", "all", "any".
    """

    kind: str
    label: str
    value: Any = None
    op: str | None = None
    other: Any = None
    other2: Any = None
    total: int | None = None
    failing: tuple[RecordRef, ...] = ()
    # for aggregates: the collection's own label and the rule's filter and condition (AST), so
    # the report can say them in plain words; `label` keeps the rule text for maintainers
    source_label: str | None = None
    where: Any = None
    condition: Any = None


@dataclass(frozen=True, slots=True)
class Missing:
    """A value that is not recorded. Carries what was missing and where it was looked for.

    `what` is language-neutral (a field name or the rule text of an expression); `code` says
    why there is no value (`missing.field`, `missing.no_record`, `missing.division_by_zero`…),
    with `args` for the catalogue's phrase.
    """

    what: str
    ref: RecordRef | None = None
    code: str = "missing.field"
    args: tuple[tuple[str, Any], ...] = ()

    @property
    def reason(self) -> Reason:
        return Reason(self.code, tuple(sorted((("what", self.what), *self.args))))

    def __bool__(self) -> bool:  # pragma: no cover - guard against truthiness bugs
        raise TypeError("Missing has no truth value; use three-valued logic")


@dataclass(frozen=True, slots=True)
class NodeResult:
    """The result of one criterion or group."""

    id: str
    is_group: bool
    label: str
    label_en: str | None
    short: str | None
    short_en: str | None
    unit: str | None
    unit_en: str | None
    status: Status
    informative: bool
    missing: tuple[Missing, ...]
    facts: tuple[Fact, ...]
    evidence: tuple[RecordRef, ...]
    citations: tuple[A.Citation, ...]
    notes: tuple[A.Note, ...]
    children: tuple[NodeResult, ...] = ()
    # what the node's own `when` gave: "true", "false", "missing"; None if it has none or it
    # was not evaluated (its group did not apply)
    when_value: str | None = None

    @property
    def gating(self) -> bool:
        return not self.informative


def node_result(
    node: A.Criterion | A.Group,
    status: Status,
    missing: tuple[Missing, ...] = (),
    children: tuple[NodeResult, ...] = (),
    when: str | None = None,
    facts: tuple[Fact, ...] = (),
    evidence: tuple[RecordRef, ...] = (),
) -> NodeResult:
    """The result of one node of a standard: its labels, units and references to the regulation
    come from the rule, the rest from an engine. Both engines make their results here, so the
    interpreter's trees and the compiled path's cannot drift apart.

    A group is informative only when all its children are; a criterion as its rule says.
    """
    if isinstance(node, A.Group):
        return NodeResult(
            id=node.id,
            is_group=True,
            label=node.label,
            label_en=node.label_en,
            short=None,
            short_en=None,
            unit=None,
            unit_en=None,
            status=status,
            informative=all(c.informative for c in children) if children else False,
            missing=missing,
            facts=facts,
            evidence=evidence,
            citations=node.citations,
            notes=node.notes,
            children=children,
            when_value=when,
        )
    return NodeResult(
        id=node.id,
        is_group=False,
        label=node.label,
        label_en=node.label_en,
        short=node.short,
        short_en=node.short_en,
        unit=node.unit,
        unit_en=node.unit_en,
        status=status,
        informative=node.informative,
        missing=missing,
        facts=facts,
        evidence=evidence,
        citations=node.citations,
        notes=node.notes,
        children=children,
        when_value=when,
    )


def group_status(children: tuple[NodeResult, ...], not_applicable: bool) -> Status:
    """A group's status from its children (its own `when` given, not missing): not applicable
    when its `when` is false or its parent does not apply; else not met when a gating child is
    not met, met when one is met (only informative children: they decide)."""
    if not_applicable:
        return Status.NOT_APPLICABLE
    gating = [c for c in children if c.gating] or children
    if any(c.status == Status.NOT_MET for c in gating):
        return Status.NOT_MET
    if any(c.status == Status.MET for c in gating):
        return Status.MET
    return Status.NOT_APPLICABLE


def is_counted(criteria: tuple[NodeResult, ...]) -> bool:
    """A subject in the population counts when no gating criterion is not met."""
    return all(c.status in (Status.MET, Status.NOT_APPLICABLE) for c in criteria if c.gating)


@dataclass(frozen=True, slots=True)
class Verdict:
    standard: str
    subject: str
    subject_ref: RecordRef
    in_period: bool
    in_population: bool
    counted: bool
    facility: str | None
    scope_facts: tuple[Fact, ...]
    scope_missing: tuple[Missing, ...]
    criteria: tuple[NodeResult, ...]
    evidence: tuple[RecordRef, ...]
    period_date: Any = None
    # records a rule looked at and left out, with why (a filter they failed, outside the period)
    excluded: tuple[tuple[RecordRef, Reason], ...] = ()
    # every record linked to the subject through the standard's `record(s)` statements
    linked: tuple[RecordRef, ...] = ()


# what the ledger reads of one subject: its key, its record, in period, in population, the
# period date, the records used as its evidence, the records linked to it but not used, the
# records a rule left out with why
Refs = Sequence[RecordRef]
Scope = tuple[str, RecordRef, bool, bool, Any, Refs, Refs, Sequence[tuple[RecordRef, Reason]]]


@dataclass(frozen=True, slots=True)
class LinkPlan:
    """One `record(s)` statement of a standard as the ledger follows it for every subject at
    once: the linked records by the value of the subject's field `by` (each list in date
    order); with `in_period`, only those whose `date_field` is in the period are linked, the
    others are left out of the period."""

    by: str
    index: dict[Any, list[Record]]
    many: bool
    in_period: bool
    date_field: str | None


@dataclass(frozen=True, slots=True)
class ScopeTable:
    """Every subject's scope of one standard as a table, for a ledger that claims records per
    standard rather than per subject (a city has millions of subject-standard pairs, most of
    them out of the population and linking nothing new). One row per subject, in the order of
    `subjects`: `inside` the positions of those in the period and the population, in order,
    `period_date` a subject's period date by its position; a subject in the population uses
    every record linked to it."""

    subjects: list[Record]
    inside: Sequence[int]
    period_date: Callable[[int], Any]
    key: Callable[[Record], str]
    has_period: bool
    start: Any
    end: Any
    links: tuple[LinkPlan, ...]
    out_of_period: Callable[[str | None, Any], Reason]


@runtime_checkable
class Tabled(Protocol):
    """Verdicts that give the ledger their scopes as one `ScopeTable` (the compiled path)."""

    def scope_table(self) -> ScopeTable: ...

    def used_records(self) -> dict[str, bytearray] | None:
        """The records used by the subjects in scope: per kind, a byte per record of the
        register's `of_kind`, 1 where used (`Used`); None when not known (the ledger finds
        them from `scope_table`)."""
        ...


# per kind, a byte per record of `Register.of_kind`, 1 where some standard used it
Used = dict[str, bytearray]


def or_masks(a: bytearray, b: bytearray) -> bytearray:
    """Two masks of a byte per position (each 0 or 1) or-ed, in C: as integers, whose bytes
    or-ed are the bytes' or (a city's kind is millions of positions)."""
    assert len(a) == len(b), "masks of one kind's records"
    both = int.from_bytes(a, "little") | int.from_bytes(b, "little")
    return bytearray(both.to_bytes(len(a), "little"))


# ---- denominators: what the engine resolved for each facility and the whole area ----

ALL = "*"  # the whole area (the sasaran table's SEMUA)
UNKNOWN_FACILITY = "?"  # a subject whose facility is not recorded


@dataclass(frozen=True, slots=True)
class DenomSource:
    """Where a denominator came from: kind is 'sasaran', 'estimate', 'counted' or 'sum'."""

    kind: str
    expr: str
    refs: tuple[RecordRef, ...] = ()


@dataclass(frozen=True, slots=True)
class Denominator:
    value: Decimal | None
    source: DenomSource | None
