"""The ledger: the fate of every row read, so that nothing is lost and nothing is silent.

For every input file: rows read = rows used as evidence + rows out of scope (each with its
reason) + rows rejected (each with its reason). A run whose ledger does not balance must not
report numbers.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..engine.verdict import NodeResult, Scope, Scoped, Verdict
from ..model import Fate, Reason, RecordRef, Register
from .aggregate import StandardReport
from .catalogue import label, say

USED, OUT, REJECTED = "used", "out_of_scope", "rejected"


class LedgerRow(NamedTuple):
    """One row's fate (a named tuple: a city's ledger makes one per row read, and a frozen
    dataclass's constructor costs three times as much)."""

    file: str
    line: int
    kind: str | None
    fate: str
    reason: Reason
    standard: str = ""
    subject: str = ""


@dataclass
class FileBalance:
    file: str
    read: int
    used: int = 0
    out_of_scope: int = 0
    rejected: int = 0

    @property
    def balanced(self) -> bool:
        return self.read == self.used + self.out_of_scope + self.rejected


@dataclass
class Ledger:
    rows: list[LedgerRow] = field(default_factory=list)
    files: list[FileBalance] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return all(f.balanced for f in self.files)

    def totals(self) -> Counter:
        return Counter(r.fate for r in self.rows)


def _node_refs(node: NodeResult):
    yield from node.evidence
    for child in node.children:
        yield from _node_refs(child)


def _out_of_scope_reasons(when: str | None) -> tuple[Reason, Reason]:
    """(for the subject's own record, for the records linked to it); `when` is None for a
    subject in the period but not in the population."""
    if when is not None:
        return (
            Reason.of("ledger.subject_out_of_period", when=when),
            Reason.of("ledger.linked_out_of_period", when=when),
        )
    return Reason.of("ledger.subject_out_of_population"), Reason.of("ledger.linked_out_of_population")


class _Memo:
    """What the ledger would otherwise make again for every subject or row of one run: the
    reasons a subject is out of scope (by its period date), the records a criterion tree names
    (the compiled path shares its trees among subjects), a rule's exclusion as a ledger reason.
    Everything kept is immutable, so sharing it between rows is safe."""

    def __init__(self) -> None:
        self._scope: dict[str | None, tuple[Reason, Reason]] = {}
        self._trees: dict[int, tuple[tuple[NodeResult, ...], tuple[RecordRef, ...]]] = {}
        self._excluded: dict[int, tuple[Reason, Reason]] = {}

    def out_of_scope(self, in_period: bool, period_date: Any) -> tuple[Reason, Reason]:
        when = None if in_period else f" ({period_date})" if period_date else ""
        found = self._scope.get(when)
        if found is None:
            found = self._scope[when] = _out_of_scope_reasons(when)
        return found

    def tree_refs(self, criteria: tuple[NodeResult, ...]) -> tuple[RecordRef, ...]:
        # keyed by identity, the tuple kept alive with its refs so that the key stays its own
        found = self._trees.get(id(criteria))
        if found is None or found[0] is not criteria:
            found = self._trees[id(criteria)] = (criteria, tuple(r for n in criteria for r in _node_refs(n)))
        return found[1]

    def excluded(self, why: Reason) -> Reason:
        found = self._excluded.get(id(why))
        if found is None or found[0] is not why:
            found = self._excluded[id(why)] = (why, Reason.of("ledger.excluded", condition=why))
        return found[1]


def _scopes(verdicts: Sequence[Verdict], memo: _Memo) -> Iterator[Scope]:
    """What the ledger reads of each subject. The compiled path gives it from its query rows
    (`CompiledVerdicts.scopes`) without building the verdicts; else from the verdicts, whose
    evidence is the verdict's own and every record its criteria name."""
    if isinstance(verdicts, Scoped):
        yield from verdicts.scopes()
        return
    for v in verdicts:
        if v.in_population:
            used = (*v.evidence, *memo.tree_refs(v.criteria))
            yield v.subject, v.subject_ref, v.in_period, True, v.period_date, used, v.linked, v.excluded
        else:
            yield v.subject, v.subject_ref, v.in_period, False, v.period_date, (), v.linked, v.excluded


def build_ledger(register: Register, reports: list[StandardReport]) -> Ledger:
    """Every entry of the register with its fate: the first standard that used it as evidence
    wins; else the first reason it was left out (a rule's condition, a subject out of scope,
    linked but not needed); else not used by any standard."""
    used: dict[RecordRef, tuple[str, str]] = {}
    excluded: dict[RecordRef, tuple[Reason, str, str]] = {}
    subject_out: dict[RecordRef, tuple[Reason, str, str]] = {}
    unneeded: dict[RecordRef, tuple[str, str]] = {}
    memo = _Memo()
    for report in reports:
        sid = report.standard.id
        for subject, subject_ref, in_period, in_population, period_date, evidence, linked, out in _scopes(
            report.verdicts, memo
        ):
            for ref, why in out:
                if ref not in excluded:
                    excluded[ref] = (why, sid, subject)
            if not in_population:
                # the reasons are made only for a record not yet accounted for (the first
                # standard that left it out wins)
                reasons = None
                if subject_ref not in subject_out:
                    reasons = memo.out_of_scope(in_period, period_date)
                    subject_out[subject_ref] = (reasons[0], sid, subject)
                for ref in linked:
                    if ref not in subject_out:
                        reasons = reasons or memo.out_of_scope(in_period, period_date)
                        subject_out[ref] = (reasons[1], sid, subject)
                continue
            by = (sid, subject)
            if subject_ref not in used:
                used[subject_ref] = by
            for ref in evidence:
                if ref not in used:
                    used[ref] = by
            for ref in linked:
                if ref not in unneeded:
                    unneeded[ref] = by
        for row in [*report.rows, report.total]:
            if row.source is not None:
                for ref in row.source.refs:
                    used.setdefault(ref, (sid, row.facility))
    ledger = Ledger()
    balances = {f.file: FileBalance(f.file, f.rows_read) for f in register.files}
    broken = Reason.of("row.broken")
    used_reason, unneeded_reason = Reason.of("ledger.used"), Reason.of("ledger.unneeded")
    unused_reason = Reason.of("ledger.unused")
    append = ledger.rows.append
    rejected, set_aside = Fate.REJECTED, (Fate.DUPLICATE, Fate.EMPTY)
    for entry in register.entries:
        ref = entry.ref
        fate = entry.fate
        if fate == rejected:
            row = LedgerRow(ref.file, ref.line, entry.kind, REJECTED, entry.reason or broken)
        elif fate in set_aside:
            row = LedgerRow(ref.file, ref.line, entry.kind, OUT, entry.reason or broken)
        elif (hit := used.get(ref)) is not None:
            row = LedgerRow(ref.file, ref.line, entry.kind, USED, used_reason, *hit)
        elif (out := excluded.get(ref)) is not None:
            why, sid, subject = out
            row = LedgerRow(ref.file, ref.line, entry.kind, OUT, memo.excluded(why), sid, subject)
        elif (out := subject_out.get(ref)) is not None:
            row = LedgerRow(ref.file, ref.line, entry.kind, OUT, *out)
        elif (hit := unneeded.get(ref)) is not None:
            row = LedgerRow(ref.file, ref.line, entry.kind, OUT, unneeded_reason, *hit)
        else:
            row = LedgerRow(ref.file, ref.line, entry.kind, OUT, unused_reason)
        append(row)
        bal = balances.get(ref.file)
        if bal is None:
            bal = balances[ref.file] = FileBalance(ref.file, 0)
        if row.fate == USED:
            bal.used += 1
        elif row.fate == OUT:
            bal.out_of_scope += 1
        else:
            bal.rejected += 1
    ledger.files = list(balances.values())
    return ledger


# ---- writing it out ------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell that a spreadsheet will show as text, never evaluate as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


_LEDGER_HEADER = {
    "id": ("file", "baris", "jenis", "nasib", "alasan", "standar", "subjek"),
    "en": ("file", "line", "kind", "fate", "reason", "standard", "subject"),
}


def ledger_csv(ledger: Ledger, lang: str = "id") -> str:
    """Every row's fate as CSV, in the language asked for (masking is the writer's policy)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(_LEDGER_HEADER["en" if lang == "en" else "id"])
    for r in ledger.rows:
        fate = label(f"fate.{r.fate}", lang)
        reason = say(r.reason, lang)
        w.writerow(
            [safe_cell(x) for x in (r.file, r.line, r.kind or "", fate, reason, r.standard, r.subject)]
        )
    return out.getvalue()
