"""The ledger: the fate of every row read, so that nothing is lost and nothing is silent.

For every input file: rows read = rows used as evidence + rows out of scope (each with its
reason) + rows rejected (each with its reason). A run whose ledger does not balance must not
report numbers.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from ..engine.verdict import NodeResult
from ..registers.readers import Register
from ..registers.records import RecordRef
from .aggregate import StandardReport

USED, OUT, REJECTED = "used", "out_of_scope", "rejected"
FATE_ID = {USED: "dipakai", OUT: "di luar cakupan", REJECTED: "ditolak"}


@dataclass(frozen=True, slots=True)
class LedgerRow:
    file: str
    line: int
    kind: str | None
    fate: str
    reason: str
    reason_en: str
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


def build_ledger(register: Register, reports: list[StandardReport]) -> Ledger:
    used: dict[RecordRef, tuple[str, str]] = {}
    excluded: dict[RecordRef, tuple[str, str, str]] = {}
    subject_out: dict[RecordRef, tuple[str, str, str, str]] = {}
    unneeded: dict[RecordRef, tuple[str, str]] = {}
    for report in reports:
        sid = report.standard.id
        for v in report.verdicts:
            for ref, condition in v.excluded:
                excluded.setdefault(ref, (condition, sid, v.subject))
            if not v.in_population:
                if not v.in_period:
                    when = f" ({v.period_date})" if v.period_date else ""
                    why, why_en = f"subjek di luar periode{when}", f"subject outside the period{when}"
                else:
                    why, why_en = "subjek di luar populasi sasaran", "subject outside the population"
                subject_out.setdefault(v.subject_ref, (why, why_en, sid, v.subject))
                for ref in v.linked:
                    subject_out.setdefault(ref, (f"terkait {why}", f"linked to a {why_en}", sid, v.subject))
                continue
            refs = [v.subject_ref, *v.evidence]
            for node in v.criteria:
                refs.extend(_node_refs(node))
            for ref in refs:
                used.setdefault(ref, (sid, v.subject))
            for ref in v.linked:
                unneeded.setdefault(ref, (sid, v.subject))
        for row in [*report.rows, report.total]:
            if row.source is not None:
                for ref in row.source.refs:
                    used.setdefault(ref, (sid, row.facility))
    ledger = Ledger()
    balances = {f.file: FileBalance(f.file, f.rows_read) for f in register.files}
    for entry in register.entries:
        ref = entry.ref
        if entry.fate == "rejected":
            row = LedgerRow(ref.file, ref.line, entry.kind, REJECTED, entry.reason, entry.reason_en)
        elif entry.fate == "duplicate":
            row = LedgerRow(ref.file, ref.line, entry.kind, OUT, entry.reason, entry.reason_en)
        elif ref in used:
            sid, subject = used[ref]
            row = LedgerRow(
                ref.file,
                ref.line,
                entry.kind,
                USED,
                "dipakai sebagai bukti",
                "used as evidence",
                sid,
                subject,
            )
        elif ref in excluded:
            condition, sid, subject = excluded[ref]
            row = LedgerRow(
                ref.file,
                ref.line,
                entry.kind,
                OUT,
                f"tidak memenuhi syarat aturan: {condition}",
                f"does not meet the rule's condition: {condition}",
                sid,
                subject,
            )
        elif ref in subject_out:
            why, why_en, sid, subject = subject_out[ref]
            row = LedgerRow(ref.file, ref.line, entry.kind, OUT, why, why_en, sid, subject)
        elif ref in unneeded:
            sid, subject = unneeded[ref]
            row = LedgerRow(
                ref.file,
                ref.line,
                entry.kind,
                OUT,
                "terkait subjek, tetapi tidak diperlukan kriteria mana pun "
                "(kriteria tidak berlaku atau tidak dapat dinilai)",
                "linked to the subject, but needed by no criterion "
                "(criterion not applicable or not assessable)",
                sid,
                subject,
            )
        else:
            row = LedgerRow(
                ref.file,
                ref.line,
                entry.kind,
                OUT,
                "tidak dipakai oleh standar mana pun untuk periode ini",
                "not used by any standard for this period",
            )
        ledger.rows.append(row)
        bal = balances.setdefault(ref.file, FileBalance(ref.file, 0))
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


def ledger_csv(ledger: Ledger, lang: str = "id", mask=lambda s: s) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    if lang == "en":
        w.writerow(["file", "line", "kind", "fate", "reason", "standard", "subject"])
    else:
        w.writerow(["file", "baris", "jenis", "nasib", "alasan", "standar", "subjek"])
    for r in ledger.rows:
        fate = r.fate if lang == "en" else FATE_ID[r.fate]
        reason = r.reason_en if lang == "en" else r.reason
        w.writerow(
            [safe_cell(x) for x in (r.file, r.line, r.kind or "", fate, reason, r.standard, mask(r.subject))]
        )
    return out.getvalue()
