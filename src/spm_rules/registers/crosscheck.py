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
  delivery) is linked to the first key; the merge is reported as a warning and in the ledger;
- a record that names its episode only by the person and a date (`x-spm.episode_link`: an ANC
  visit with the mother's NIK and no shared pregnancy number) is linked to the one episode of
  that person whose span (start to end, or start + `max_days`) holds its date; none or several
  is a warning, and the record stays unlinked.
Each check takes the entries and returns what it found; none changes a file count by hand
(file counts are derived from the fates).
"""

from __future__ import annotations

import datetime as dt

from ..model import Entry, Fate, Reason, Record, RecordRef, RowEntry, RowProblem, Severity
from .contract import Contract
from .values import nik_birth_and_sex


def _set_aside(e: Entry, fate: Fate, reason: Reason) -> RowEntry:
    """The entry of a row that is no longer a record (rejected, or counted as another row)."""
    return RowEntry(e.ref, e.kind, fate, reason)


def _records(entries: list[Entry], kind: str | None = None):
    """(entry, record) of every entry that is a record (of `kind`, when one is named)."""
    record = Fate.RECORD
    for e in entries:
        rec = e if type(e) is not RowEntry else e.record  # a record is its own entry
        if rec is not None and e.fate == record and (kind is None or rec.kind == kind):
            yield e, rec


def nik_doubts(entries: list[Entry], contract: Contract, today: dt.date) -> list[RowProblem]:
    """Warnings where the NIK's birth date or sex differs from the person register."""
    pk = contract.person_kind
    if pk is None or pk.person_register is None:
        return []
    spec = pk.person_register
    out = []
    for e, rec in _records(entries, pk.name):
        nik = rec.get(spec.nik)
        if not nik:
            continue
        born, sex = nik_birth_and_sex(nik, today)
        if born is not None and born != rec.get(spec.birth):
            reason = Reason.of("cross.nik_birth", in_nik=born, recorded=rec.get(spec.birth))
            out.append(RowProblem(e.ref.file, e.ref.line, spec.nik, nik, reason, Severity.WARNING))
        if sex != rec.get(spec.sex):
            reason = Reason.of("cross.nik_sex", in_nik=sex, recorded=rec.get(spec.sex))
            out.append(RowProblem(e.ref.file, e.ref.line, spec.nik, nik, reason, Severity.WARNING))
    return out


def _births(entries: list[Entry], contract: Contract) -> dict[str, dt.date]:
    pk = contract.person_kind
    if pk is None or pk.person_register is None or pk.identity is None:
        return {}
    births: dict[str, dt.date] = {}
    birth, person = pk.person_register.birth, pk.identity.field
    for _e, rec in _records(entries, pk.name):
        born = rec.get(birth)
        if born is not None:
            births.setdefault(rec.get(person), born)
    return births


def reject_before_birth(entries: list[Entry], contract: Contract) -> tuple[list[Entry], list[RowProblem]]:
    """Services dated before the person's birth date are rejected."""
    births = _births(entries, contract)
    # per kind that names a person and dates its services (the person register aside): the
    # field naming the person and the date field
    checked = contract.dated_services
    out: list[Entry] = []
    problems: list[RowProblem] = []
    record = Fate.RECORD
    for e in entries:
        rec = e if type(e) is not RowEntry else e.record
        fields = checked.get(rec.kind) if rec is not None and e.fate == record else None
        if fields is None or not births:
            out.append(e)
            continue
        day = rec.get(fields[1])  # type: ignore[union-attr]
        born = births.get(rec.get(fields[0])) if day is not None else None  # type: ignore[union-attr]
        if born is not None and day < born:
            reason = Reason.of("cross.before_birth", date=day, birth=born)
            problems.append(RowProblem(e.ref.file, e.ref.line, fields[1], day.isoformat(), reason))
            out.append(_set_aside(e, Fate.REJECTED, reason))
        else:
            out.append(e)
    return out, problems


def mark_duplicates(entries: list[Entry]) -> tuple[list[Entry], list[RowProblem]]:
    """An exact repeat of an earlier row counts once; the repeat is reported with the first's place."""
    seen: dict[tuple, RecordRef] = {}
    out: list[Entry] = []
    problems: list[RowProblem] = []
    # the fields of a record in name order, worked out once per field order (once per table):
    # the key is its kind, the sorted names and the values' text in that order
    orders: dict[tuple[str, ...], tuple[str, ...]] = {}
    for e in entries:
        rec = e if type(e) is not RowEntry else e.record
        if e.fate != Fate.RECORD or rec is None:
            out.append(e)
            continue
        values = rec.values  # made once (a stored record makes its dict when asked)
        names = tuple(values)
        order = orders.get(names)
        if order is None:
            order = orders[names] = tuple(sorted(names))
        key = (rec.kind, order, tuple(map(str, map(values.__getitem__, order))))
        first = seen.get(key)
        if first is None:
            seen[key] = e.ref
            out.append(e)
            continue
        reason = Reason.of("cross.duplicate", first=first)
        problems.append(RowProblem(e.ref.file, e.ref.line, None, None, reason, Severity.WARNING))
        out.append(_set_aside(e, Fate.DUPLICATE, reason))
    return out, problems


def merge_same_subject(entries: list[Entry], contract: Contract) -> tuple[list[Entry], list[RowProblem]]:
    """One subject per unique key: later rows merged into the first, or rejected on conflict."""
    first_of: dict[tuple, int] = {}
    out = list(entries)
    problems: list[RowProblem] = []
    uniques = {k.name: k.unique for k in contract.kinds.values() if k.unique}
    for i, e in enumerate(entries):
        rec = e if type(e) is not RowEntry else e.record
        if rec is None or e.fate != Fate.RECORD or rec.kind not in uniques:
            continue
        get = rec.get
        for fields in uniques[rec.kind]:
            values = tuple(map(get, fields))
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
                out[i] = _set_aside(e, Fate.REJECTED, reason)
            else:
                merged = {**rec.values, **{k: v for k, v in first.record.values.items() if v is not None}}
                out[j] = Record(rec.kind, merged, first.ref)
                reason = Reason.of("cross.same_subject_merged", first=first.ref)
                problems.append(RowProblem(e.ref.file, e.ref.line, None, None, reason, Severity.WARNING))
                out[i] = _set_aside(e, Fate.DUPLICATE, reason)
            break
    return out, problems


def merge_same_episode(entries: list[Entry], contract: Contract) -> tuple[list[Entry], list[RowProblem]]:
    """One subject per episode: rows of the same person whose episode dates lie within the
    kind's tolerance are merged into the first, and records linked by the later key follow."""
    out, problems, aliases = merge_episodes(entries, contract)
    return relink(out, aliases, contract), problems


Aliases = dict[tuple[str, str], tuple[str, RecordRef]]  # (key field, later key) -> first key, its row


def merge_episodes(entries: list[Entry], contract: Contract) -> tuple[list[Entry], list[RowProblem], Aliases]:
    """`merge_same_episode`'s merging: the rows merged, and each later key's first key."""
    out = list(entries)
    problems: list[RowProblem] = []
    aliases: dict[tuple[str, str], tuple[str, RecordRef]] = {}  # (key field, later key) -> first key
    canon: dict[tuple, list[int]] = {}
    for i, e in enumerate(entries):
        rec = e if type(e) is not RowEntry else e.record
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
        out[j] = Record(rec.kind, merged, first.ref)
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
        out[i] = _set_aside(e, Fate.DUPLICATE, reason)
        aliases[(kind.key, str(key))] = (str(first_key), first.ref)
    return out, problems, aliases


def relink(entries: list[Entry], aliases: Aliases, contract: Contract) -> list[Entry]:
    """`merge_same_episode`'s following: a record (not of an episode kind) naming a later key
    names the first instead. A record without the field names no key (its text is not the
    text `None` of an episode numbered so)."""
    if not aliases:
        return entries
    out = list(entries)
    fields = {f for f, _k in aliases}
    for i, e in enumerate(out):
        rec = e if type(e) is not RowEntry else e.record
        if e.fate != Fate.RECORD or rec is None or contract.kinds[rec.kind].episode is not None:
            continue
        for f in fields:
            value = rec.get(f)
            target = aliases.get((f, str(value))) if value is not None else None
            if target is not None:
                linked = Record(rec.kind, {**rec.values, f: target[0]}, rec.ref)
                out[i] = linked
    return out


def link_to_episode(entries: list[Entry], contract: Contract) -> tuple[list[Entry], list[RowProblem]]:
    """Records without an episode key get the key of the one episode of their person that holds
    their date (an ANC visit recorded by the mother's NIK)."""
    linking = {k.name: k.episode_link for k in contract.kinds.values() if k.episode_link is not None}
    if not linking:
        return entries, []
    spans: dict[tuple[str, str], list[tuple[dt.date, dt.date | None, str]]] = {}
    episodes = {lk.kind for lk in linking.values()}
    for _e, rec in _records(entries):
        if rec.kind not in episodes:
            continue
        kind = contract.kinds[rec.kind]
        ep = kind.episode
        if ep is None or kind.key is None:
            continue
        start, key = rec.get(ep.date), rec.get(kind.key)
        if start is None or key is None:
            continue
        end = rec.get(ep.until) if ep.until else None
        if end is None and ep.max_days is not None:
            end = start + dt.timedelta(days=ep.max_days)
        for person in (rec.get(f) for f in ep.by):
            if person is not None:
                spans.setdefault((rec.kind, str(person)), []).append((start, end, str(key)))
    out = list(entries)
    problems: list[RowProblem] = []
    for i, e in enumerate(entries):
        rec = e if type(e) is not RowEntry else e.record
        if rec is None or rec.kind not in linking or e.fate != Fate.RECORD:
            continue
        link = linking[rec.kind]
        get = rec.get
        person, day = get(link.person), get(link.date)
        if get(link.key) is not None or person is None or day is None:
            continue
        keys = sorted(
            {
                key
                for start, end, key in spans.get((link.kind, str(person)), ())
                if start <= day and (end is None or day <= end)
            }
        )
        if len(keys) == 1:
            linked = Record(rec.kind, {**rec.values, link.key: keys[0]}, rec.ref)
            out[i] = linked
            continue
        code = "cross.no_episode" if not keys else "cross.several_episodes"
        reason = Reason.of(code, kind=link.kind, person=link.person, date=day, keys=tuple(keys) or ("-",))
        problem = RowProblem(e.ref.file, e.ref.line, link.person, str(person), reason, Severity.WARNING)
        problems.append(problem)
    return out, problems
