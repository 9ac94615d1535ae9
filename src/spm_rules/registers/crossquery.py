"""Which entries a check across records could concern, asked of the rows the DuckDB reader kept.

The checks of `crosscheck` walk every entry in Python; at city scale (12 million rows) that
walk, and the duplicate key of every record, cost more than reading the files. Where every
record of the kinds a check reads is a row the DuckDB reader kept (`Register.store`: a
`StoredRecord`, its typed values a row of its kind's table `s_<kind>`), DuckDB finds the few
entries the check could concern — a superset: the rows whose duplicate key is shared, the
services dated before the latest birth date recorded for their person, the NIKs whose digits
may not say the recorded birth date and sex — and the check itself runs in Python on those
entries only, in their order (`narrowed`). Its result is the result on every entry: each query
below says why an entry it leaves out can neither change nor change another. A kind with any
record read otherwise (XLSX, JSON Lines, Parquet, a row read alone, a file not kept) is
`loose`: a check reading it walks every entry, as before.

The checks that change records (episodes merged, records re-linked to them, visits linked by
NIK and date, the same subject merged) make plain `Record`s; `StoredRows.narrowed` remembers
their positions, and every later question gives them as candidates (with their new keys where
a key is asked), since their kept rows no longer say their values. Where the candidates would
be many (`WALK_SHARE`), or a kept row is not found among the entries, the check walks every
entry (`_Walk`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from typing import Any

from ..model import Entry, Record, prefetch
from ..sqlvalues import sql_type
from .contract import Contract
from .duckcsv import Database
from .kindorder import rank_kind
from .runs import Entries

# more candidates than a quarter of the entries (and than a few thousand): every entry is
# walked, which costs less than finding each
WALK_SHARE, WALK_MIN = 4, 10_000


class _Walk(Exception):
    """The check walks every entry (see `StoredRows.positions`)."""


def _or_every_entry(ask: Callable[..., list[int] | None]) -> Callable[..., list[int] | None]:
    """A question whose answer is None (every entry) where `positions` gave up."""

    @wraps(ask)
    def asked(*args: Any) -> list[int] | None:
        try:
            return ask(*args)
        except _Walk:
            return None

    return asked


def _name(field: str) -> str:
    return '"' + field.replace('"', '""') + '"'


class StoredRows:
    """The kept rows of a read, and where each is among its entries.

    `spans`: per file (as shown) its kind and the slice of `entries` its rows made, in line
    order; `loose`: the kinds with a record that is not a kept row."""

    def __init__(
        self,
        db: Database,
        entries: Entries,
        spans: dict[str, tuple[str | None, int, int]],
        loose: set[str],
        contract: Contract,
    ) -> None:
        self._db = db
        self._entries = entries
        self._spans = spans
        self._names = {number: name for name, number in db.files.items() if number >= 0}
        self.loose = loose
        self._contract = contract
        # per kind, the positions of records the checks made anew
        self.changed: dict[str, set[int]] = {}

    # -- plumbing -------------------------------------------------------------------------

    def _kept(self, kinds: Iterable[str]) -> bool:
        """Whether every record of these kinds is a kept row."""
        return not any(k in self.loose for k in kinds)

    def _table(self, kind: str) -> str | None:
        found = self._db.table(kind)
        return None if found is None else _name(found[0])

    def _rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[int, int]]:
        con = self._db.cursor()
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def positions(self, rows: list[tuple[int, int]]) -> list[int]:
        """The entries of kept rows given by file number and line, in entry order. `_Walk`
        when they are many (a file read twice: every row a repeat), where walking every entry
        costs less than finding each, or when one is not where it should be."""
        entries, out = self._entries, []
        if len(rows) > WALK_MIN and len(rows) > len(entries) // WALK_SHARE:
            raise _Walk
        for number, line in rows:  # found by the parts' lines, no record made
            name = self._names.get(number)
            i = entries.find_line(name, line) if name is not None else None
            if i is None:
                raise _Walk
            out.append(i)
        return sorted(set(out))

    def whole(self, kinds: set[str]) -> list[int]:
        """Every entry of the files of these kinds."""
        return [i for kind, start, stop in self._spans.values() if kind in kinds for i in range(start, stop)]

    # -- the checks ---------------------------------------------------------------------

    @_or_every_entry
    def nik_doubts(self, today: dt.date) -> list[int] | None:
        """Person rows whose NIK's digits may not say the recorded birth date or sex: any NIK
        not of 16 digits, a date the digits do not make, or a date or sex other than the
        recorded one (`values.nik_birth_and_sex`, its century as `_century` chooses it). A row
        left out has a NIK of 16 digits saying exactly its birth date and sex: no warning."""
        pk = self._contract.person_kind
        if pk is None or pk.person_register is None:
            return []
        if not self._kept([pk.name]):
            return None
        table = self._table(pk.name)
        if table is None:
            return []
        spec = pk.person_register
        nik, born, sex = _name(spec.nik), _name(spec.birth), _name(spec.sex)
        if sql_type(pk.fields[spec.birth].type) != "DATE":
            return None
        # the six digits of day (plus 40 for a woman), month and year a NIK saying exactly the
        # recorded birth date and sex has, compared as one number, and the century
        # `_century` would choose for its year: no date made from every person's digits
        # (`make_date` under `try`, a third of the query's time at city scale)
        year = f"year({born})"
        yy = f"{year} % 100"
        day = f"day({born}) + CASE WHEN {sex}::VARCHAR = 'P' THEN 40 ELSE 0 END"
        said = f"({day}) * 10000 + month({born}) * 100 + {yy}"
        rows = self._rows(
            f"""SELECT f, line FROM {table}
                WHERE {nik} IS NOT NULL AND {nik} <> '' AND NOT coalesce(
                  regexp_full_match({nik}, '[0-9]{{16}}') AND {sex}::VARCHAR IN ('L', 'P')
                  AND TRY_CAST(substr({nik}, 7, 6) AS INTEGER) = {said}
                  AND {year} = CASE WHEN 2000 + {yy} <= $1 THEN 2000 + {yy} ELSE 1900 + {yy} END, FALSE)""",
            [today.year],
        )
        return self.positions(rows)

    @_or_every_entry
    def before_birth(self) -> list[int] | None:
        """Services dated before the latest birth date recorded for their person, and every
        person row of those persons. `reject_before_birth` takes a person's first recorded
        birth date, which is never after the latest: a service left out is not before it; the
        person rows it reads for the services kept are all there, in their order."""
        contract = self._contract
        pk = contract.person_kind
        if pk is None or pk.person_register is None or pk.identity is None:
            return []
        checked = contract.dated_services
        if not self._kept([pk.name, *checked]):
            return None
        people = self._table(pk.name)
        if people is None:
            return []
        who, birth = _name(pk.identity.field), _name(pk.person_register.birth)
        found: list[tuple[int, int]] = []
        # a service is before its person's latest birth date when it is before any of them:
        # a semi join of the person rows, no grouping of a city's millions of them
        for kind, (person, day) in sorted(checked.items()):
            table = self._table(kind)
            if table is None:
                continue
            found += self._rows(
                f"""WITH c AS (SELECT s.f, s.line, s.{_name(person)} AS who FROM {table} s
                      SEMI JOIN {people} b ON s.{_name(person)} IS NOT DISTINCT FROM b.{who}
                      AND s.{_name(day)} < b.{birth})
                SELECT f, line FROM c
                UNION ALL
                SELECT p.f, p.line FROM {people} p SEMI JOIN c ON c.who IS NOT DISTINCT FROM p.{who}"""
            )
        return self.positions(found)

    @_or_every_entry
    def duplicates(self) -> list[int] | None:
        """Rows whose duplicate key (`mark_duplicates`: the kind, the file's field names, each
        value's text) may be another row's: rows of the same fields with the same hash of
        their values, text columns with None as the text 'None' (the key's `str(None)`). Two
        rows with one key have the same values of each type, and so the same hash; a row left
        out shares its key with no other. Every entry of a loose kind is given."""
        loose = self.loose
        out = self.whole(loose) if loose else []
        kinds = {kind for kind, _start, _stop in self._spans.values() if kind is not None} - loose
        shapes: dict[tuple[str, ...], int] = {}
        files = {number: shapes.setdefault(shape, len(shapes)) for number, shape in self._db.shapes.items()}
        found: list[tuple[int, int]] = []
        for kind in sorted(kinds):
            table = self._table(kind)
            if table is None or not files:
                continue
            spec_of = self._contract.kinds[kind]
            # the identity is left out: a kept row's is joined from its other fields (a virtual
            # column, `Database.kind_table`), so rows equal in those have one identity, and a
            # hash of fewer fields still puts every two rows of one key together
            virtual = spec_of.identity.field if spec_of.identity is not None else None
            values = [
                f"coalesce({_name(n)}::VARCHAR, 'None')" if sql_type(spec.type) == "VARCHAR" else _name(n)
                for n, spec in sorted(spec_of.fields.items())
                if n != virtual
            ]
            shape_of = "CASE f " + " ".join(f"WHEN {n} THEN {s}" for n, s in files.items()) + " END"
            found += self._rows(
                f"""WITH h AS (SELECT f, line, hash({shape_of}, {", ".join(values)}) AS h FROM {table})
                    SELECT f, line FROM h WHERE h IN (SELECT h FROM h GROUP BY h HAVING count(*) > 1)"""
            )
        return sorted(set(out) | set(self.positions(found)))

    @_or_every_entry
    def episodes(self) -> list[int] | None:
        """Rows of an episode kind whose person has another row of that kind with a date and
        a key (`merge_episodes` compares a row only with its person's rows; a person with
        one such row has nothing to merge)."""
        out: list[int] = []
        for kind in self._contract.kinds.values():
            ep = kind.episode
            if ep is None or kind.key is None:
                continue
            if not self._kept([kind.name]) or not self._texts(kind, ep.by):
                return None
            out += self._changed(kind.name)
            table = self._table(kind.name)
            if table is None:
                continue
            filled = " AND ".join(f"{_name(f)} IS NOT NULL" for f in (*ep.by, ep.date, kind.key))
            out += self.positions(self._shared(table, ep.by, filled))
        return sorted(set(out))

    @_or_every_entry
    def relinks(self, aliases: dict[tuple[str, str], Any]) -> list[int] | None:
        """Records (not of an episode kind) whose field names one of the later keys: the
        only ones `relink` changes."""
        if not aliases:
            return []
        by_field: dict[str, list[str]] = {}
        for field, key in aliases:
            by_field.setdefault(field, []).append(key)
        out: list[int] = []
        for kind in self._contract.kinds.values():
            if kind.episode is not None:
                continue
            named = [f for f in by_field if f in kind.fields]
            if not named:
                continue
            if not self._kept([kind.name]) or not self._texts(kind, named):
                return None
            out += self._changed(kind.name)
            table = self._table(kind.name)
            if table is None:
                continue
            for field in named:
                out += self.positions(
                    self._rows(
                        f"SELECT f, line FROM {table} WHERE {_name(field)} IN (SELECT unnest(?::VARCHAR[]))",
                        [by_field[field]],
                    )
                )
        return sorted(set(out))

    @_or_every_entry
    def links(self) -> list[int] | None:
        """Records of a linking kind without the episode's key but with a person and a date
        (the only ones `link_to_episode` links), and the rows of the episodes of those persons
        (the spans it looks in)."""
        out: list[int] = []
        for kind in self._contract.kinds.values():
            link = kind.episode_link
            if link is None:
                continue
            episode = self._contract.kinds[link.kind]
            ep = episode.episode
            if ep is None or episode.key is None:
                continue
            if not self._kept([kind.name, episode.name]):
                return None
            if not self._texts(kind, [link.person]) or not self._texts(episode, ep.by):
                return None
            out += self._changed(kind.name) + self._changed(episode.name)
            table, episodes = self._table(kind.name), self._table(episode.name)
            if table is None:
                continue
            unlinked = (
                f"SELECT f, line, {_name(link.person)} AS who FROM {table} WHERE {_name(link.key)} IS NULL "
                f"AND {_name(link.person)} IS NOT NULL AND {_name(link.date)} IS NOT NULL"
            )
            out += self.positions(self._rows(f"SELECT f, line FROM ({unlinked})"))
            if episodes is None:
                continue
            persons = " OR ".join(f"{_name(f)} IN (SELECT who FROM ({unlinked}))" for f in ep.by)
            out += self.positions(self._rows(f"SELECT f, line FROM {episodes} WHERE {persons}"))
        return sorted(set(out))

    @_or_every_entry
    def same_subject(self) -> list[int] | None:
        """Rows of a kind with unique fields whose values are another row's (of its kept
        rows, or of a record changed by the checks before), and the changed records: a row
        left out names its subject alone."""
        out: list[int] = []
        loose: set[str] = set()
        for kind in self._contract.kinds.values():
            if not kind.unique:
                continue
            changed = self._changed(kind.name)
            fields = {f for u in kind.unique for f in u}
            if not self._kept([kind.name]) or not self._texts(kind, fields) or len(changed) > WALK_MIN:
                loose.add(kind.name)
                continue
            out += changed
            table = self._table(kind.name)
            if table is None:
                continue
            for unique in kind.unique:
                filled = " AND ".join(f"{_name(f)} IS NOT NULL" for f in unique)
                keys = [
                    tuple(rec.get(f) for f in unique)
                    for rec in (self._entries[i].record for i in changed)
                    if rec is not None
                ]
                out += self.positions(self._shared(table, unique, filled, [k for k in keys if None not in k]))
        if loose:
            out += self.whole(loose)
        return sorted(set(out))

    def _shared(
        self,
        table: str,
        fields: Iterable[str],
        filled: str,
        keys: list[tuple[Any, ...]] | None = None,
    ) -> list[tuple[int, int]]:
        """The rows (`filled`) whose values of `fields` another such row has, or one of `keys`
        (text fields, compared as texts)."""
        names = [_name(f) for f in fields]
        params: list[Any] = []
        given = ""
        if keys:
            rows = ", ".join("(" + ", ".join("?" for _n in names) + ")" for _k in keys)
            given = f" UNION ALL SELECT * FROM (VALUES {rows}) v({', '.join(names)})"
            params = [str(v) for k in keys for v in k]
        on = " AND ".join(f"t.{n} = k.{n}" for n in names)
        return self._rows(
            f"""WITH k AS (SELECT {", ".join(names)} FROM {table} WHERE {filled}
                           GROUP BY ALL HAVING count(*) > 1{given})
                SELECT t.f, t.line FROM {table} t JOIN k ON {on}""",
            params,
        )

    def _texts(self, kind: Any, fields: Iterable[str]) -> bool:
        """Whether these fields are text (their values compared as their texts in SQL)."""
        return all(kind.fields[f].type == "string" for f in fields if f in kind.fields)

    def _changed(self, kind: str) -> list[int]:
        """The changed records of a kind (merged, re-linked: not their kept rows)."""
        return sorted(self.changed.get(kind, ()))

    def ranked(self, kind: str, recs: Sequence[Record], date_field: str | None) -> bool:
        """Whether DuckDB has put the kind's records (in reading order) in the interpreter's
        order (`kindorder.rank_kind`); False leaves them to the Python sort."""
        if kind in self.loose:
            return False
        spec = self._contract.kinds[kind]
        date_type = spec.fields[date_field].type if date_field and date_field in spec.fields else None
        return rank_kind(self._db, kind, recs, date_field, date_type)

    def narrowed(
        self,
        check: Callable[..., tuple[Any, ...]],
        entries: list[Entry],
        positions: list[int] | None,
        *args: Any,
    ) -> tuple[Any, ...]:
        """`narrowed`, the positions of records changed remembered."""
        result = narrowed(check, entries, positions, *args)
        out = result[0]
        if positions is None:
            positions = [i for i, (a, b) in enumerate(zip(entries, out, strict=True)) if a is not b]
            if out is not entries:
                entries[:] = out
        for i, e in zip(positions, take(entries, positions), strict=True):
            if type(e) is Record:
                self.changed.setdefault(e.kind, set()).add(i)
        return (entries, *result[1:])


class EveryEntry:
    """The checks where no rows were kept (`StoredRows`' questions, each answered "every
    entry")."""

    def nik_doubts(self, today: dt.date) -> None:
        return None

    def before_birth(self) -> None:
        return None

    def duplicates(self) -> None:
        return None

    def episodes(self) -> None:
        return None

    def relinks(self, aliases: dict[tuple[str, str], Any]) -> None:
        return None

    def links(self) -> None:
        return None

    def same_subject(self) -> None:
        return None

    @staticmethod
    def narrowed(
        check: Callable[..., tuple[Any, ...]], entries: list[Entry], positions: None, *args: Any
    ) -> tuple[Any, ...]:
        return check(entries, *args)

    @staticmethod
    def ranked(kind: str, recs: Sequence[Record], date_field: str | None) -> bool:
        return False


def narrowed(
    check: Callable[..., tuple[Any, ...]],
    entries: list[Entry],
    positions: list[int] | None,
    *args: Any,
) -> tuple[Any, ...]:
    """`check` on the entries at `positions` (every entry when None), its entries put back in
    their places (`entries` changed in place); what else it returns as it returns it."""
    if positions is None:
        return check(entries, *args)
    before = take(entries, positions)
    # the few records' values fetched as rows, not their files' whole columns
    prefetch(r for e in before if (r := e.record) is not None)
    out, *rest = check(before, *args)
    for i, old, new in zip(positions, before, out, strict=True):
        if new is not old:
            entries[i] = new
    return (entries, *rest)


def take(entries: Sequence[Entry], positions: list[int]) -> list[Entry]:
    """The entries at `positions` (ascending), as `[entries[i] for i in positions]`."""
    return entries.take(positions) if isinstance(entries, Entries) else [entries[i] for i in positions]
