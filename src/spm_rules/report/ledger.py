"""The ledger: the fate of every row read, so that nothing is lost and nothing is silent.

For every input file: rows read = rows used as evidence + rows out of scope (each with its
reason) + rows rejected (each with its reason). A run whose ledger does not balance must not
report numbers.
"""

from __future__ import annotations

import csv
import gc
import io
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import compress
from operator import attrgetter
from typing import Any, NamedTuple

from ..engine.verdict import LinkPlan, NodeResult, Scope, ScopeTable, Tabled, Used, Verdict, or_masks
from ..messages import BilingualError
from ..model import Fate, Reason, Record, RecordRef, Register, RowEntry
from ..registers.runs import Entries, KindRecords, files_of
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
    """The balance of every file and the rows read per fate; the rows themselves (`rows`)
    are made when first asked for (`--ledger`, a test): a city's ledger is twelve million
    rows, and the report shows only the counts."""

    files: list[FileBalance] = field(default_factory=list)
    fates: Counter = field(default_factory=Counter)
    make_rows: Callable[[], list[LedgerRow]] | None = field(default=None, repr=False)
    # files not read, each with its kind: no chosen standard reads it (`Register.not_read`)
    not_read: list[tuple[str, str]] = field(default_factory=list)
    _rows: list[LedgerRow] | None = field(default=None, repr=False)

    @property
    def rows(self) -> list[LedgerRow]:
        if self._rows is None:
            self._rows = self.make_rows() if self.make_rows is not None else []
        return self._rows

    @property
    def balanced(self) -> bool:
        return all(f.balanced for f in self.files)

    def totals(self) -> Counter:
        return Counter(self.fates)


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
    """What the ledger reads of each subject of verdicts without a scope table (the
    interpreter's): the evidence is the verdict's own and every record its criteria name."""
    for v in verdicts:
        if v.in_population:
            used = (*v.evidence, *memo.tree_refs(v.criteria))
            yield v.subject, v.subject_ref, v.in_period, True, v.period_date, used, v.linked, v.excluded
        else:
            yield v.subject, v.subject_ref, v.in_period, False, v.period_date, (), v.linked, v.excluded


# A claim on a record: its fate's priority (used, left out by a rule's condition, its subject
# out of scope, linked but unneeded), then when the original ledger made it — the standard's
# position, its subjects before its denominator sources, the subject's position, the subject's
# own record before the records linked to it. The smallest rank is the record's fate: the
# first claim of the highest priority, whatever order the claims are made in.
_USED, _EXCLUDED, _SUBJECT_OUT, _UNNEEDED = 0, 1, 2, 3

# (rank, then the ledger row's fate, reason, standard and subject)
Claim = tuple[int, str, Reason, str, str]


def _rank(priority: int, standard: int, phase: int = 0) -> int:
    """The rank of a standard's first claim of this priority; add `position << 1 | linked`."""
    return priority << 70 | standard << 48 | phase << 47


class _Claims:
    """Every record's best claim so far: by its reference (the interpreter's scopes, the
    denominators' sources), or by the record itself (the compiled path: a `Record` hashes by
    identity in C, a `RecordRef` in Python, and a city makes a million claims)."""

    def __init__(self) -> None:
        self.by_ref: dict[RecordRef, Claim] = {}
        self.by_record: dict[Record, Claim] = {}
        # per subject list (by identity, the list kept with it): each subject's key, once made
        self._keys: dict[int, tuple[list[Record], list[str | None]]] = {}
        # per subject list and field: the positions of the subjects by the field's value
        self._by_value: dict[tuple[int, str], tuple[list[Record], dict[Any, list[int]]]] = {}
        # subject lists every one of whose records holds a claim at most "out of scope"
        self.claimed: dict[int, list[Record]] = {}
        # links followed from every subject of a list: (the index, the subjects) by identity,
        # the field, whether many or in the period, the date field, the period
        self.followed: dict[tuple[Any, ...], tuple[Any, list[Record]]] = {}

    def claim(self, ref: RecordRef, claim: Claim) -> None:
        """Keep this claim if it ranks before the record's best."""
        old = self.by_ref.get(ref)
        if old is None or claim[0] < old[0]:
            self.by_ref[ref] = claim

    def keys(self, subjects: list[Record]) -> list[str | None]:
        """The subjects' keys, made when first asked for (standards share subject lists)."""
        found = self._keys.get(id(subjects))
        if found is None or found[0] is not subjects:
            found = self._keys[id(subjects)] = (subjects, [None] * len(subjects))
        return found[1]

    def by_value(self, subjects: list[Record], by: str) -> dict[Any, list[int]]:
        """The positions of the subjects by the value of their field `by` (made once)."""
        found = self._by_value.get((id(subjects), by))
        if found is None or found[0] is not subjects:
            grouped: dict[Any, list[int]] = {}
            for rid, rec in enumerate(subjects):
                value = rec.get(by)
                if value is not None:
                    grouped.setdefault(value, []).append(rid)
            found = self._by_value[(id(subjects), by)] = (subjects, grouped)
        return found[1]


def _claim_scopes(claims: _Claims, std: int, sid: str, scopes: Iterator[Scope], memo: _Memo) -> None:
    """A standard's claims from each subject's scope (the interpreter's verdicts)."""
    claim = claims.claim
    excluded_rank, used_rank = _rank(_EXCLUDED, std), _rank(_USED, std)
    out_rank, unneeded_rank = _rank(_SUBJECT_OUT, std), _rank(_UNNEEDED, std)
    used_reason, unneeded_reason = Reason.of("ledger.used"), Reason.of("ledger.unneeded")
    for j, (subject, subject_ref, in_period, in_population, period_date, evidence, linked, out) in enumerate(
        scopes
    ):
        at = j << 1
        for ref, why in out:
            claim(ref, (excluded_rank | at, OUT, memo.excluded(why), sid, subject))
        if not in_population:
            own, other = memo.out_of_scope(in_period, period_date)
            claim(subject_ref, (out_rank | at, OUT, own, sid, subject))
            for ref in linked:
                claim(ref, (out_rank | at | 1, OUT, other, sid, subject))
            continue
        used = (used_rank | at, USED, used_reason, sid, subject)
        claim(subject_ref, used)
        for ref in evidence:
            claim(ref, used)
        for ref in linked:
            claim(ref, (unneeded_rank | at | 1, OUT, unneeded_reason, sid, subject))


def _claim_table(claims: _Claims, std: int, sid: str, table: ScopeTable, memo: _Memo) -> None:
    """A standard's claims from its scope table (the compiled path): the claims each subject's
    scope would make, made per link for all subjects at once, and made only where they rank
    before the record's best (most subjects of a city are out of the population, and most of
    their records already hold a claim of an earlier standard)."""
    subjects, key = table.subjects, table.key
    # one row per subject, in the subjects' order: a subject's row is its position
    rids = range(len(subjects))
    has_period, start, end = table.has_period, table.start, table.end
    inside = set(table.inside)
    keys = claims.keys(subjects)
    used_reason = Reason.of("ledger.used")
    used_rank, out_rank = _rank(_USED, std), _rank(_SUBJECT_OUT, std)
    excluded_rank = _rank(_EXCLUDED, std)
    best = claims.by_record
    get = best.get
    scopes: dict[tuple[bool, type, Any], tuple[Reason, Reason]] = {}
    made: dict[int, Claim] = {}

    def subject_of(rid: int) -> str:
        found = keys[rid]
        if found is None:
            found = keys[rid] = key(subjects[rid])
        return found

    def reasons_of(rid: int) -> tuple[Reason, Reason]:
        """Why a subject out of the population, and the records linked to it, are out of scope
        (by its period date, so the reasons are made once per date)."""
        pdate = table.period_date(rid)
        if has_period:
            in_period = pdate is not None and start <= pdate <= end
        else:
            in_period, pdate = True, None
        found = scopes.get((in_period, type(pdate), pdate))
        if found is None:
            found = scopes[(in_period, type(pdate), pdate)] = memo.out_of_scope(in_period, pdate)
        return found

    def own_claim(rid: int, rank: int) -> Claim:
        """The subject's claim on its own record."""
        if rid in inside:
            return (rank, USED, used_reason, sid, subject_of(rid))
        return (rank, OUT, reasons_of(rid)[0], sid, subject_of(rid))

    def linked_claim(rid: int) -> Claim:
        """The subject's claim on the records linked to it (made once per subject)."""
        found = made.get(rid)
        if found is None:
            at = rid << 1
            if rid in inside:
                found = (used_rank | at, USED, used_reason, sid, subject_of(rid))
            else:
                found = (out_rank | at | 1, OUT, reasons_of(rid)[1], sid, subject_of(rid))
            made[rid] = found
        return found

    # the subjects' own records
    if claims.claimed.get(id(subjects)) is not subjects:
        for rid in rids:
            rec = subjects[rid]
            old = get(rec)
            rank = (used_rank if rid in inside else out_rank) | rid << 1
            if old is None or rank < old[0]:
                best[rec] = own_claim(rid, rank)
        claims.claimed[id(subjects)] = subjects
    else:
        # each already holds a claim at most "out of scope" of an earlier standard: only those
        # in the population can claim it again
        for rid in inside:
            rec = subjects[rid]
            old = get(rec)
            rank = used_rank | rid << 1
            if old is None or rank < old[0]:
                best[rec] = own_claim(rid, rank)

    # the records linked to them
    for link in table.links:
        index, many, in_period, date_field = link.index, link.many, link.in_period, link.date_field
        pairs: list[tuple[int, list[Record]]]
        seen = (id(index), id(subjects), link.by, many, in_period, date_field, start, end)
        if claims.followed.get(seen, (None,))[0] is index:
            # an earlier standard followed this link from every subject: each claim of one out
            # of the population, and each record out of the period, ranks after its claim
            _claim_used(claims, table, link, inside, linked_claim, used_rank)
            continue
        claims.followed[seen] = (index, subjects)
        if len(index) < len(rids):
            by_value = claims.by_value(subjects, link.by)
            pairs = [(rid, recs) for value, recs in index.items() for rid in by_value.get(value, ())]
        else:
            by = link.by
            pairs = [
                (rid, recs)
                for rid in rids
                if (value := subjects[rid].get(by)) is not None and (recs := index.get(value))
            ]
        whys: dict[tuple[type, Any], Reason] = {}
        for rid, recs in pairs:
            at = rid << 1
            rank = used_rank | at if rid in inside else out_rank | at | 1
            if not in_period:
                for rec in recs if many else recs[:1]:
                    old = get(rec)
                    if old is None or rank < old[0]:
                        best[rec] = linked_claim(rid)
                continue
            kept = False
            for rec in recs:
                day = rec.get(date_field) if date_field is not None else None
                if day is not None and start <= day <= end:
                    if kept and not many:
                        continue
                    kept = True
                    old = get(rec)
                    if old is None or rank < old[0]:
                        best[rec] = linked_claim(rid)
                else:
                    old = get(rec)
                    if old is None or excluded_rank | at < old[0]:
                        why = whys.get((type(day), day))
                        if why is None:
                            why = whys[(type(day), day)] = memo.excluded(table.out_of_period(date_field, day))
                        best[rec] = (excluded_rank | at, OUT, why, sid, subject_of(rid))


def _claim_used(
    claims: _Claims,
    table: ScopeTable,
    link: LinkPlan,
    inside: set[int],
    linked_claim: Callable[[int], Claim],
    used_rank: int,
) -> None:
    """The records a link gives the subjects in the population, used by them."""
    subjects, index, by, many, date_field = table.subjects, link.index, link.by, link.many, link.date_field
    start, end = table.start, table.end
    best = claims.by_record
    get = best.get
    for rid in inside:
        value = subjects[rid].get(by)
        recs = index.get(value) if value is not None else None
        if not recs:
            continue
        rank = used_rank | rid << 1
        if link.in_period:
            recs = [
                rec
                for rec in recs
                if date_field is not None and (day := rec.get(date_field)) is not None and start <= day <= end
            ]
        for rec in recs if many else recs[:1]:
            old = get(rec)
            if old is None or rank < old[0]:
                best[rec] = linked_claim(rid)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused: the ledger makes millions of acyclic tuples at
    city scale, and each full collection they trigger walks the register's millions of
    objects (a third of the ledger's time) to free nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_ledger(register: Register, reports: list[StandardReport]) -> Ledger:
    """Every entry of the register with its fate: the first standard that used it as evidence
    wins; else the first reason it was left out (a rule's condition, a subject out of scope,
    linked but not needed); else not used by any standard."""
    with _no_cycle_collection():
        return _build_ledger(register, reports)


def _build_ledger(register: Register, reports: list[StandardReport]) -> Ledger:
    """The ledger (see `build_ledger`). A row's fate is "used" when any standard used its
    record (a claim of that priority ranks before every other), else "out of scope" or
    "rejected": the balance needs only the records used, which the compiled path's query
    gives as a byte per record (`used_records`). The ranked claims that say which standard and
    why (`_claimed_fates`) are made when the rows are asked for, and must give the same
    fates; when some standard's records used are not known, the claims make the fates."""
    used = _used(register, reports)
    if used is None:
        fates, by_ref, by_record = _claimed_fates(register, reports)
        counts = _per_file(register, fates)
        make_rows = partial(_ledger_rows, register, by_ref, by_record)
    else:
        masks, refs = used
        counts = _used_counts(register, masks, refs)
        if counts is None:  # the walk
            counts = _per_file(register, _used_fates(register, _records(register, masks), refs))
        make_rows = partial(_rows_checked, register, reports, counts)
    totals: Counter[str] = Counter()
    for (_file, fate), count in counts.items():
        totals[fate] += count
    ledger = Ledger(fates=totals, make_rows=make_rows, not_read=list(register.not_read))
    balances = {f.file: FileBalance(f.file, f.rows_read) for f in register.files}
    for (file, fate), count in counts.items():
        bal = balances.get(file)
        if bal is None:
            bal = balances[file] = FileBalance(file, 0)
        if fate == USED:
            bal.used += count
        elif fate == OUT:
            bal.out_of_scope += count
        else:
            bal.rejected += count
    ledger.files = list(balances.values())
    return ledger


def _used(register: Register, reports: list[StandardReport]) -> tuple[Used, set[RecordRef]] | None:
    """Every record some standard used: the compiled path's as a byte per record of `of_kind`
    (no record made), the interpreter's and the denominators' sources by reference; None when a
    compiled standard does not know its records used."""
    used: Used = {}
    refs: set[RecordRef] = set()
    memo = _Memo()
    for report in reports:
        verdicts = report.verdicts
        if isinstance(verdicts, Tabled):
            masks = verdicts.used_records()
            if masks is None:
                return None
            for kind, mask in masks.items():
                bits = used.get(kind)
                used[kind] = mask if bits is None else or_masks(bits, mask)
        else:
            for v in verdicts:
                if v.in_population:
                    refs.add(v.subject_ref)
                    refs.update(v.evidence)
                    refs.update(memo.tree_refs(v.criteria))
        for row in [*report.rows, report.total]:
            if row.source is not None:
                refs.update(row.source.refs)
    return used, refs


def _records(register: Register, used: Used) -> set[Record]:
    """The records at the positions used (the register's own objects, hashed by identity)."""
    records: set[Record] = set()
    for kind, bits in used.items():
        records.update(compress(register.of_kind(kind), bits))
    return records


def _per_file(register: Register, fates: list[str]) -> Counter[tuple[str, str]]:
    """The rows per file and fate, from every entry's fate."""
    return Counter(zip(map(_FILE, register.entries), fates, strict=True))


def _refs_used(register: Register, used: Used, refs: set[RecordRef]) -> Counter[str] | None:
    """Per file, the records named by reference (an interpreted standard's, a denominator's
    sources) that are not also at a position used: each found among the entries by its file
    and line (`Entries.find`), its record made alone. None — the walk — when the entries were
    made whole (the walk costs no more then) or a reference is not an entry's own record."""
    entries = register.entries
    if not isinstance(entries, Entries) or entries.made:
        return None
    out: Counter[str] = Counter()
    at_used: dict[str, Callable[[Record], bool | None]] = {}
    for ref in refs:
        i = entries.find(ref)
        if i is None:
            return None
        entry = entries[i]
        if entry.fate != Fate.RECORD:
            continue  # its own fate, as the walk gives it
        rec = entry if type(entry) is not RowEntry else entry.record
        if rec is None or rec.ref != ref:
            return None
        if rec.kind in used:
            test = at_used.get(rec.kind)
            if test is None:
                test = at_used[rec.kind] = _at_used(register.of_kind(rec.kind), used[rec.kind])
            among = test(rec)
            if among is None:
                return None  # not where its kind's records are
            if among:
                continue  # counted with the positions
        out[ref.file] += 1
    return out


def _at_used(recs: Sequence[Record], bits: bytearray) -> Callable[[Record], bool | None]:
    """Whether a record of `recs` is at a position used (`bits`), by identity; None when it
    is not one of the pieces of runs of `recs` (not made whole)."""
    if isinstance(recs, KindRecords) and not recs.made:
        bases = recs.base_bits(bits)

        def among(rec: Record) -> bool | None:
            base = recs.base_of(rec)
            return None if base is None else bases[base] == 1

        return among
    ids = set(map(id, compress(recs, bits)))
    return lambda rec: id(rec) in ids


def _used_counts(register: Register, used: Used, refs: set[RecordRef]) -> Counter[tuple[str, str]] | None:
    """The rows per file and fate without a walk over every entry (`_used_fates` counted), where
    the records are the register's own (`Register.assembled_from`: each the record of one entry
    of fate RECORD, with its reference) and those named by reference are found among them
    (`_refs_used`): per file its rejected rows, its duplicate and empty ones (out of scope), its
    records used (counted from their positions, none made where they are runs of kept rows:
    `registers.runs.files_of`) and its other rows of fate RECORD (out of scope). None — the
    walk — otherwise."""
    if register.assembled_from is not register.entries:
        return None
    n_used = _refs_used(register, used, refs) if refs else Counter()
    if n_used is None:
        return None
    for kind, bits in used.items():
        n_used += files_of(register.of_kind(kind), bits)
    out: Counter[tuple[str, str]] = Counter()
    for file, fates in register.fate_counts().items():
        here = n_used.pop(file, 0)
        if here > fates[Fate.RECORD]:
            return None
        other = fates[Fate.RECORD] - here + fates[Fate.DUPLICATE] + fates[Fate.EMPTY]
        for fate, count in ((USED, here), (OUT, other), (REJECTED, fates[Fate.REJECTED])):
            if count:
                out[file, fate] = count
    return None if n_used else out  # a record used of no file read: the walk says what it is


def _used_fates(register: Register, records: set[Record], refs: set[RecordRef]) -> list[str]:
    """The fate of every entry (one shared text each) from the records used: its own if it is
    not a record, "used" if its record (or its reference) is among them, else "out of scope"."""
    fates: list[str] = []
    fate_of = fates.append
    ref_files = {ref.file for ref in refs}
    record, rejected, set_aside = Fate.RECORD, Fate.REJECTED, (Fate.DUPLICATE, Fate.EMPTY)
    hits = 0
    for entry in register.entries:
        fate = entry.fate
        if fate is not record:
            if fate == rejected:
                fate_of(REJECTED)
                continue
            if fate in set_aside:
                fate_of(OUT)
                continue
        rec = entry if type(entry) is not RowEntry else entry.record  # a record is its own entry
        if rec is not None and rec in records:
            if rec.ref is not entry.ref and rec.ref != entry.ref:
                break
            hits += 1
            fate_of(USED)
        elif ref_files and entry.ref.file in ref_files and entry.ref in refs:
            fate_of(USED)
        else:
            fate_of(OUT)
    else:
        if hits == len(records):
            return fates
    # a record used is not an entry's own (not seen with the readers): by reference
    return _used_fates(register, set(), refs | {r.ref for r in records})


class LedgerDisagrees(BilingualError):
    """The rows of the ledger, made from the ranked claims, give another fate than its
    balance: a fault in spm-rules, never a report on numbers it cannot account for."""

    def __init__(self, file: str):
        super().__init__(
            f"baris buku catatan tidak cocok dengan neracanya ({file}): kesalahan spm-rules",
            f"the ledger's rows do not match its balance ({file}): a fault in spm-rules",
        )


def _rows_checked(
    register: Register, reports: list[StandardReport], counts: Counter[tuple[str, str]]
) -> list[LedgerRow]:
    """Every entry's ledger row from the ranked claims, checked against the balance's fates."""
    rows: list[LedgerRow] = []
    fates, _by_ref, _by_record = _claimed_fates(register, reports, rows)
    found = _per_file(register, fates)
    if found != counts:
        differ = [f for f, fate in found.keys() | counts.keys() if found[f, fate] != counts[f, fate]]
        raise LedgerDisagrees(min(differ))
    return rows


def _claimed_fates(
    register: Register, reports: list[StandardReport], rows: list[LedgerRow] | None = None
) -> tuple[list[str], dict[RecordRef, Claim], dict[Record, Claim]]:
    """Every record's best claim (ranked by `_rank`, so that a record's fate is its best claim
    whatever order the claims are made in: the compiled path's are made per link for all
    subjects at once, and only where they can change a record's fate), the fates of every
    entry from them (and, with `rows`, its ledger row), and the claims by reference and by
    record."""
    claims = _Claims()
    memo = _Memo()
    used_reason = Reason.of("ledger.used")
    for std, report in enumerate(reports):
        sid = report.standard.id
        verdicts = report.verdicts
        if isinstance(verdicts, Tabled):
            _claim_table(claims, std, sid, verdicts.scope_table(), memo)
        else:
            _claim_scopes(claims, std, sid, _scopes(verdicts, memo), memo)
        rank, at = _rank(_USED, std, 1), 0
        for row in [*report.rows, report.total]:
            if row.source is not None:
                for ref in row.source.refs:
                    claims.claim(ref, (rank | at, USED, used_reason, sid, row.facility))
                    at += 2
    by_ref, by_record = claims.by_ref, claims.by_record
    try:
        fates = _rows(register, by_ref, by_record, rows)
    except _NotTheirRecords:
        # a claimed record is not an entry's own (not seen with the readers): by reference
        by_ref = dict(claims.by_ref)
        for rec, claim in claims.by_record.items():
            old = by_ref.get(rec.ref)
            if old is None or claim[0] < old[0]:
                by_ref[rec.ref] = claim
        by_record = {}
        if rows is not None:
            rows.clear()
        fates = _rows(register, by_ref, by_record, rows)
    return fates, by_ref, by_record


_FILE = attrgetter("ref.file")


class _NotTheirRecords(Exception):
    """A record claimed by identity is not the record of the entry with its reference."""


def _ledger_rows(
    register: Register, by_ref: dict[RecordRef, Claim], by_record: dict[Record, Claim]
) -> list[LedgerRow]:
    """Every entry's ledger row, by the walk that counted the fates."""
    rows: list[LedgerRow] = []
    _rows(register, by_ref, by_record, rows)
    return rows


def _rows(
    register: Register,
    by_ref: dict[RecordRef, Claim],
    by_record: dict[Record, Claim],
    rows: list[LedgerRow] | None,
) -> list[str]:
    """The fate of every entry (one shared text each): its own if it was not a record, else
    its best claim by its record or by its reference; with `rows`, each entry's ledger row is
    appended to it too."""
    fates: list[str] = []
    fate_of = fates.append
    append, new = (rows.append if rows is not None else None), tuple.__new__
    broken, unused = Reason.of("row.broken"), Reason.of("ledger.unused")
    record_get, ref_get = by_record.get, by_ref.get
    # the reference is hashed (in Python) only for an entry of a file that holds such claims
    ref_files = {ref.file for ref in by_ref}
    record, rejected, set_aside = Fate.RECORD, Fate.REJECTED, (Fate.DUPLICATE, Fate.EMPTY)
    hits = 0
    for entry in register.entries:
        ref, fate = entry.ref, entry.fate
        if fate is not record:
            if fate == rejected:
                fate_of(REJECTED)
                if append is not None:
                    append(LedgerRow(ref.file, ref.line, entry.kind, REJECTED, entry.reason or broken))
                continue
            if fate in set_aside:
                fate_of(OUT)
                if append is not None:
                    append(LedgerRow(ref.file, ref.line, entry.kind, OUT, entry.reason or broken))
                continue
        rec = entry if type(entry) is not RowEntry else entry.record  # a record is its own entry
        hit = record_get(rec) if rec is not None else None
        if hit is not None:
            if rec.ref is not ref and rec.ref != ref:  # type: ignore[union-attr]
                raise _NotTheirRecords
            hits += 1
        if ref.file in ref_files and (other := ref_get(ref)) is not None:
            hit = other if hit is None or other[0] < hit[0] else hit
        if hit is None:
            fate_of(OUT)
            if append is not None:
                append(new(LedgerRow, (ref.file, ref.line, entry.kind, OUT, unused, "", "")))
        else:
            fate_of(hit[1])
            if append is not None:
                append(new(LedgerRow, (ref.file, ref.line, entry.kind, hit[1], hit[2], hit[3], hit[4])))
    if hits != len(by_record):
        raise _NotTheirRecords
    return fates


# ---- writing it out ------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A cell that a spreadsheet will show as text, never evaluate as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def not_read_reason(kind: str) -> Reason:
    """Why a file of `kind` was not read (`Register.not_read`), for every output that names it."""
    return Reason.of("ledger.not_read", kind=kind)


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
    # a file not read is one row without a line: its rows were never read, so not counted
    fate = label("fate.not_read", lang)
    for file, kind in ledger.not_read:
        reason = say(not_read_reason(kind), lang)
        w.writerow([safe_cell(x) for x in (file, "", kind, fate, reason, "", "")])
    return out.getvalue()
