"""Run a compiled standard and read its rows back into the interpreter's `Verdict` trees.

The tree logic (a group's `when`, not applicable below it, a group not met when a gating child
is not met) is the interpreter's, applied to the codes the query computed, so aggregation,
Keterangan and denominators consume compiled verdicts unchanged. Compiled verdicts carry no
facts: `explain` always uses the interpreter. Identical nodes are shared (they are immutable),
so a city's verdicts cost one small object per subject.
"""

from __future__ import annotations

from typing import Any

from ...lang import ast as A
from ...lang.printer import to_source
from ...model import Reason, Record, RecordRef, Register
from ..period import Period
from ..verdict import Missing, NodeResult, Status, Verdict, group_status, is_counted, node_result
from .load import Tables
from .query import CompiledStandard

_WHEN = {"T": "true", "F": "false", "U": "missing"}


class _Trees:
    """Builds (and shares) the criterion trees of one standard from code strings."""

    def __init__(self, std: A.Standard):
        self.std = std
        self.offsets: dict[str, int] = {}
        pos = 0
        for node in A.iter_nodes(std.criteria):
            self.offsets[node.id] = pos
            pos += 1 if isinstance(node, A.Group) else 2
        self._cache: dict[str, tuple[NodeResult, ...]] = {}
        self._nodes: dict[tuple, NodeResult] = {}
        self._missing: dict[int, Missing] = {}

    def criteria(self, codes: str) -> tuple[NodeResult, ...]:
        found = self._cache.get(codes)
        if found is None:
            found = self._cache[codes] = tuple(self._node(n, codes, False) for n in self.std.criteria)
        return found

    def _not_recorded(self, expr: A.Expr) -> Missing:
        m = self._missing.get(id(expr))
        if m is None:
            m = self._missing[id(expr)] = Missing(to_source(expr))
        return m

    def _make(
        self,
        node: A.Criterion | A.Group,
        status: Status,
        missing: tuple[Missing, ...] = (),
        children: tuple[NodeResult, ...] = (),
        when: str | None = None,
    ) -> NodeResult:
        """The shared result for these codes of a node (no facts, no evidence: nothing in it
        belongs to one subject)."""
        key = (node.id, status, missing, children, when)
        found = self._nodes.get(key)
        if found is None:
            found = self._nodes[key] = node_result(node, status, missing, children, when)
        return found

    def _node(self, node, codes: str, parent_na: bool) -> NodeResult:
        at = self.offsets[node.id]
        if isinstance(node, A.Group):
            w = codes[at]
            when = None if w == "-" or parent_na else _WHEN[w]
            na = parent_na or (when == "false")
            if when == "missing":
                children = tuple(self._node(c, codes, True) for c in node.children)
                miss = (self._not_recorded(node.when),)
                return self._make(node, Status.NOT_MET, miss, children, when)
            children = tuple(self._node(c, codes, na) for c in node.children)
            return self._make(node, group_status(children, na), (), children, when)
        if parent_na:
            return self._make(node, Status.NOT_APPLICABLE)
        w, r = codes[at], codes[at + 1]
        when = None if w == "-" else _WHEN[w]
        if w == "U":
            return self._make(node, Status.NOT_MET, (self._not_recorded(node.when),), when=when)
        if w == "F":
            return self._make(node, Status.NOT_APPLICABLE, when=when)
        if r == "U":
            return self._make(node, Status.NOT_MET, (self._not_recorded(node.require),), when=when)
        return self._make(node, Status.MET if r == "T" else Status.NOT_MET, when=when)


def _subject_key(key_field: str | None, rec: Record) -> str:
    key = rec.values.get(key_field) if key_field else None
    return str(key) if key is not None else str(rec.ref)


def _links(std: A.Standard, register: Register, period: Period, rec: Record):
    """Every record linked to the subject (for the ledger), and those a link left out of the
    period, with the interpreter's reason."""
    linked: list[RecordRef] = []
    excluded: list[tuple[RecordRef, Reason]] = []
    for link in std.links:
        recs = register.linked(link.kind, link.by, rec.values.get(link.by))
        if not recs:
            continue
        if not link.in_period:
            linked.extend(r.ref for r in (recs if link.many else recs[:1]))
            continue
        date_field = register.contract.kinds[link.kind].date_field
        kept = []
        for r in recs:
            day = r.get(date_field)
            if day is not None and period.contains(day):
                kept.append(r.ref)
            else:
                reason = Reason.of("engine.out_of_period", field=date_field, date=day, period=period.label)
                excluded.append((r.ref, reason))
        linked.extend(kept if link.many else kept[:1])
    return tuple(linked), tuple(excluded)


def run(compiled: CompiledStandard, tables: Tables) -> list[Verdict]:
    """Verdicts for every subject of the standard's subject kind, in the register's order."""
    std, period, register = compiled.standard, compiled.period, tables.register
    tables.ensure(compiled.columns)
    rows = tables.con.execute(compiled.sql("duckdb")).fetchall()
    subjects = register.of_kind(std.subject_kind or "")
    trees = _Trees(std)
    key_field = register.contract.kinds[std.subject_kind or ""].key
    pop_missing = Missing(to_source(std.population)) if std.population is not None else None
    period_missing = Missing(to_source(std.period_on)) if std.period_on is not None else None
    out: list[Verdict] = []
    for rid, pdate, pop, fac, codes in rows:
        rec = subjects[rid]
        in_period = std.period_on is None or (pdate is not None and period.contains(pdate))
        in_population = in_period and pop is True
        scope_missing: tuple[Any, ...] = ()
        if std.period_on is not None and pdate is None:
            scope_missing = (period_missing,)
        elif in_period and pop is None and pop_missing is not None:
            scope_missing = (pop_missing,)
        criteria = trees.criteria(codes) if in_population else ()
        counted = in_population and is_counted(criteria)
        linked, excluded = _links(std, register, period, rec)
        # the compiled path does not trace which records a criterion read: the records linked
        # to a subject in the population are its evidence (the interpreter is finer)
        evidence = linked if in_population else ()
        out.append(
            Verdict(
                standard=std.id,
                subject=_subject_key(key_field, rec),
                subject_ref=rec.ref,
                in_period=in_period,
                in_population=in_population,
                counted=counted,
                facility=fac if in_population else None,
                scope_facts=(),
                scope_missing=scope_missing,
                criteria=criteria,
                evidence=evidence,
                period_date=pdate if std.period_on is not None else None,
                excluded=excluded,
                linked=linked,
            )
        )
    return out
