"""Checks of records against each other, after every row has been read.

- the birth date and sex encoded in a NIK against the person register: a warning, never a fix;
- a service dated before the person was born: rejected;
- an exact duplicate of an earlier row (an export loaded twice): counted once, reported;
- two rows naming the same subject (the same NIK in the person register, the same pregnancy
  id — the contract's `x-spm.unique`): one subject, never two. Rows that agree wherever both
  are recorded are merged (the first row's values win; its empty fields are filled from the
  later row) and the later row is reported as merged; rows that disagree on a recorded field
  are not merged: the later row is rejected, naming each conflicting field and both values;
- two rows of one episode under different keys (`x-spm.episode`: the same person, dates within a
  documented tolerance — one pregnancy with a local number at the Puskesmas and another at the
  private midwife): one subject. The later row is merged into the first (its empty fields
  filled, differing values reported), and every record linked by the later key (visits,
  delivery) is linked to the first key; the merge is reported as a warning and in the ledger.
Each check takes the entries and returns what it found; none changes a file count by hand
(file counts are derived from the fates).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from ..model import Fate, Reason, Record, RecordRef, RowEntry, RowProblem, Severity
from .contract import Contract
from .values import nik_birth_and_sex


def _records(entries: list[RowEntry]):
    return ((e, e.record) for e in entries if e.fate == Fate.RECORD and e.record is not None)


def nik_doubts(entries: list[RowEntry], contract: Contract, today: dt.date) -> list[RowProblem]:
    """Warnings where the NIK's birth date or sex differs from the person register."""
    pk = contract.person_kind
    if pk is None or pk.person_register is None:
        return []
    spec = pk.person_register
    out = []
    for e, rec in _records(entries):
        if rec.kind != pk.name or not rec.get(spec.nik):
            continue
        nik = rec.get(spec.nik)
        born, sex = nik_birth_and_sex(nik, today)
        if born is not None and born != rec.get(spec.birth):
            reason = Reason.of("cross.nik_birth", in_nik=born, recorded=rec.get(spec.birth))
            out.append(RowProblem(e.ref.file, e.ref.line, spec.nik, nik, reason, Severity.WARNING))
        if sex != rec.get(spec.sex):
            reason = Reason.of("cross.nik_sex", in_nik=sex, recorded=rec.get(spec.sex))
            out.append(RowProblem(e.ref.file, e.ref.line, spec.nik, nik, reason, Severity.WARNING))
    return out


def _births(entries: list[RowEntry], contract: Contract) -> dict[str, dt.date]:
    pk = contract.person_kind
    if pk is None or pk.person_register is None or pk.identity is None:
        return {}
    births: dict[str, dt.date] = {}
    for _e, rec in _records(entries):
        if rec.kind == pk.name and rec.get(pk.person_register.birth) is not None:
            births.setdefault(rec.get(pk.identity.field), rec.get(pk.person_register.birth))
    return births


def reject_before_birth(
    entries: list[RowEntry], contract: Contract
) -> tuple[list[RowEntry], list[RowProblem]]:
    """Services dated before the person's birth date are rejected."""
    births = _births(entries, contract)
    out: list[RowEntry] = []
    problems: list[RowProblem] = []
    for e in entries:
        rec = e.record
        kind = contract.kinds[rec.kind] if rec is not None else None
        if (
            rec is None
            or e.fate != Fate.RECORD
            or kind is None
            or kind.identity is None
            or kind.person_register is not None
            or kind.date_field is None
        ):
            out.append(e)
            continue
        day = rec.get(kind.date_field)
        born = births.get(rec.get(kind.identity.field))
        if day is not None and born is not None and day < born:
            reason = Reason.of("cross.before_birth", date=day, birth=born)
            problems.append(RowProblem(e.ref.file, e.ref.line, kind.date_field, day.isoformat(), reason))
            out.append(dataclasses.replace(e, fate=Fate.REJECTED, reason=reason, record=None))
        else:
            out.append(e)
    return out, problems


def mark_duplicates(entries: list[RowEntry]) -> tuple[list[RowEntry], list[RowProblem]]:
    """An exact repeat of an earlier row counts once; the repeat is reported with the first's place."""
    seen: dict[tuple, RecordRef] = {}
    out: list[RowEntry] = []
    problems: list[RowProblem] = []
    for e in entries:
        rec = e.record
        if e.fate != Fate.RECORD or rec is None:
            out.append(e)
            continue
        key = (rec.kind, *sorted((k, str(v)) for k, v in rec.values.items()))
        first = seen.get(key)
        if first is None:
            seen[key] = e.ref
            out.append(e)
            continue
        reason = Reason.of("cross.duplicate", first=first)
        problems.append(RowProblem(e.ref.file, e.ref.line, None, None, reason, Severity.WARNING))
        out.append(dataclasses.replace(e, fate=Fate.DUPLICATE, reason=reason, record=None))
    return out, problems


def merge_same_subject(
    entries: list[RowEntry], contract: Contract
) -> tuple[list[RowEntry], list[RowProblem]]:
    """One subject per unique key: later rows merged into the first, or rejected on conflict."""
    first_of: dict[tuple, int] = {}
    out = list(entries)
    problems: list[RowProblem] = []
    for i, e in enumerate(entries):
        rec = e.record
        if e.fate != Fate.RECORD or rec is None:
            continue
        for fields in contract.kinds[rec.kind].unique:
            values = tuple(rec.get(f) for f in fields)
            if any(v is None for v in values):
                continue
            key = (rec.kind, fields, values)
            j = first_of.setdefault(key, i)
            if j == i:
                continue
            first = out[j]
            assert first.record is not None
            conflicts = tuple(
                (name, first.record.get(name), value)
                for name, value in sorted(rec.values.items())
                if value is not None
                and first.record.get(name) is not None
                and first.record.get(name) != value
            )
            if conflicts:
                reason = Reason.of(
                    "cross.same_subject_conflict",
                    first=first.ref,
                    key=", ".join(f"{f}={v}" for f, v in zip(fields, values, strict=True)),
                    fields=tuple(f"{n}: {a} / {b}" for n, a, b in conflicts),
                )
                problems.append(RowProblem(e.ref.file, e.ref.line, conflicts[0][0], None, reason))
                out[i] = dataclasses.replace(e, fate=Fate.REJECTED, reason=reason, record=None)
            else:
                merged = {**rec.values, **{k: v for k, v in first.record.values.items() if v is not None}}
                out[j] = dataclasses.replace(first, record=Record(rec.kind, merged, first.ref))
                reason = Reason.of("cross.same_subject_merged", first=first.ref)
                problems.append(RowProblem(e.ref.file, e.ref.line, None, None, reason, Severity.WARNING))
                out[i] = dataclasses.replace(e, fate=Fate.DUPLICATE, reason=reason, record=None)
            break
    return out, problems


def merge_same_episode(
    entries: list[RowEntry], contract: Contract
) -> tuple[list[RowEntry], list[RowProblem]]:
    """One subject per episode: rows of the same person whose episode dates lie within the
    kind's tolerance are merged into the first, and records linked by the later key follow."""
    out = list(entries)
    problems: list[RowProblem] = []
    aliases: dict[tuple[str, str], tuple[str, RecordRef]] = {}  # (key field, later key) -> first key
    canon: dict[tuple, list[int]] = {}
    for i, e in enumerate(entries):
        rec = e.record
        if e.fate != Fate.RECORD or rec is None:
            continue
        kind = contract.kinds[rec.kind]
        ep = kind.episode
        if ep is None or kind.key is None:
            continue
        person = tuple(rec.get(f) for f in ep.by)
        day, key = rec.get(ep.date), rec.get(kind.key)
        if any(v is None for v in person) or day is None or key is None:
            continue
        group = canon.setdefault((rec.kind, person), [])
        j = next(
            (
                j
                for j in group
                if abs((day - out[j].record.get(ep.date)).days) <= ep.tolerance_days  # type: ignore[union-attr]
                and out[j].record.get(kind.key) != key  # type: ignore[union-attr]
            ),
            None,
        )
        if j is None:
            group.append(i)
            continue
        first = out[j]
        assert first.record is not None
        first_key = first.record.get(kind.key)
        differs = tuple(
            f"{name}: {first.record.get(name)} / {value}"
            for name, value in sorted(rec.values.items())
            if name != kind.key
            and value is not None
            and first.record.get(name) is not None
            and first.record.get(name) != value
        )
        merged = {**rec.values, **{k: v for k, v in first.record.values.items() if v is not None}}
        out[j] = dataclasses.replace(first, record=Record(rec.kind, merged, first.ref))
        reason = Reason.of(
            "cross.same_episode_merged",
            first=first.ref,
            key=f"{kind.key}={key}",
            first_key=f"{kind.key}={first_key}",
            date=ep.date,
            days=abs((day - first.record.get(ep.date)).days),
            tolerance=ep.tolerance_days,
            differs=differs or ("-",),
        )
        problems.append(RowProblem(e.ref.file, e.ref.line, kind.key, str(key), reason, Severity.WARNING))
        out[i] = dataclasses.replace(e, fate=Fate.DUPLICATE, reason=reason, record=None)
        aliases[(kind.key, str(key))] = (str(first_key), first.ref)
    if not aliases:
        return out, problems
    fields = {f for f, _k in aliases}
    for i, e in enumerate(out):
        rec = e.record
        if e.fate != Fate.RECORD or rec is None or contract.kinds[rec.kind].episode is not None:
            continue
        for f in fields:
            target = aliases.get((f, str(rec.get(f))))
            if target is not None:
                linked = Record(rec.kind, {**rec.values, f: target[0]}, rec.ref)
                out[i] = dataclasses.replace(e, record=linked)
    return out, problems
