"""Run a compiled standard; its rows are the standard's tally, and the interpreter's `Verdict`
trees when someone reads them.

The tree logic (a group's `when`, not applicable below it, a group not met when a gating child
is not met) is the interpreter's, applied to the codes the query computed, so aggregation,
Keterangan and denominators read the same counts from either engine (`engine/tally.py`).
Compiled verdicts carry no facts: `explain` always uses the interpreter. Identical nodes are
shared (they are immutable), and a `Verdict` is built only for a subject someone reads.
"""

from __future__ import annotations

import weakref
from array import array
from collections import deque
from collections.abc import Iterator, Sequence
from itertools import repeat
from typing import Any, overload

import duckdb

from ...lang import ast as A
from ...lang.printer import to_source
from ...model import Reason, Record, RecordRef, Register, TypedRows, field_column
from ..keys import SEP, Keys
from ..period import Period
from ..tally import FacilityTally, Outcome, Tally
from ..verdict import (
    UNKNOWN_FACILITY,
    LinkPlan,
    Missing,
    NodeResult,
    ScopeTable,
    Status,
    Used,
    Verdict,
    group_status,
    is_counted,
    node_result,
    or_masks,
)
from .compiler import table_name
from .errors import NotCompilable
from .load import Tables, one_row_each
from .query import CompiledStandard

_WHEN = {"T": "true", "F": "false", "U": "missing"}


def _drop(keep: TypedRows, table: str) -> None:
    """Drop a kept table of packed rows no one can read any more (the database may be closed)."""
    try:
        con = keep.cursor(reopen=False)
        try:
            con.execute(f"DROP TABLE IF EXISTS {table}")
        finally:
            con.close()
    except (RuntimeError, duckdb.Error):  # closed with its database: nothing left to drop
        pass


class _Trees:
    """Builds (and shares) the criterion trees of one standard from code strings."""

    def __init__(self, std: A.Standard):
        self.std = std
        self.offsets: dict[str, int] = {}
        pos = 0
        for node in A.iter_nodes(std.criteria):
            self.offsets[node.id] = pos
            pos += 1 if isinstance(node, A.Group) else 2
        self._cache: dict[str, tuple[tuple[NodeResult, ...], bool]] = {}
        self._nodes: dict[tuple, NodeResult] = {}
        self._missing: dict[int, Missing] = {}

    def criteria(self, codes: str) -> tuple[tuple[NodeResult, ...], bool]:
        """The criterion trees of these codes, and whether a subject with them counts."""
        found = self._cache.get(codes)
        if found is None:
            criteria = tuple(self._node(n, codes, False) for n in self.std.criteria)
            found = self._cache[codes] = (criteria, is_counted(criteria))
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


class _Links:
    """The records linked to each subject through the standard's `record(s)` statements (for
    the ledger), and those a link left out of the period with the interpreter's reason.

    Each link's index is fetched once, not looked up per subject, and the reason for a date
    out of the period is made once per date: a city has hundreds of thousands of subjects.
    """

    def __init__(self, std: A.Standard, register: Register, period: Period):
        self.period, self.start, self.end = period, period.start, period.end
        self.plan: list[LinkPlan] = []
        for link in std.links:
            index = register.link_index(link.kind, link.by)
            date_field = register.contract.kinds[link.kind].date_field if link.in_period else None
            self.plan.append(LinkPlan(link.by, index, link.many, link.in_period, date_field))
        self._steps = [(p.by, p.index, p.many, p.in_period, p.date_field) for p in self.plan]
        self._reasons: dict[tuple[str | None, type, Any], Reason] = {}

    def of(self, subject: Record) -> tuple[list[RecordRef], list[tuple[RecordRef, Reason]]]:
        """(every record linked to the subject, those left out of the period with why)."""
        linked: list[RecordRef] = []
        excluded: list[tuple[RecordRef, Reason]] = []
        for by, index, many, in_period, date_field in self._steps:
            value = subject.get(by)
            recs = index.get(value) if value is not None else None
            if not recs:
                continue
            if not in_period:
                if many:
                    linked.extend([r.ref for r in recs])
                else:
                    linked.append(recs[0].ref)
                continue
            kept = []
            for r in recs:
                day = r.get(date_field) if date_field is not None else None
                if day is not None and self.start <= day <= self.end:
                    kept.append(r.ref)
                else:
                    excluded.append((r.ref, self.out_of_period(date_field, day)))
            linked.extend(kept if many else kept[:1])
        return linked, excluded

    def out_of_period(self, date_field: str | None, day: Any) -> Reason:
        """The interpreter's reason for a linked record whose date is not in the period."""
        key = (date_field, type(day), day)
        reason = self._reasons.get(key)
        if reason is None:
            reason = self._reasons[key] = Reason.of(
                "engine.out_of_period", field=date_field, date=day, period=self.period.label
            )
        return reason


# one query row: _rid, _pdate, _pop, _fac, _codes (facility and codes are NULL only for a
# subject out of the population)
_Row = tuple[int, Any, bool | None, str, str]

_POPS: tuple[bool | None, ...] = (False, True, None)  # `_pop` by its code
# a row packed into one integer: codes << 42 | facility << 22 | period date << 2 | population
_DATE_BITS, _FAC_BITS, _CODE_BITS = 20, 20, 21


def _in_period_sql(period: Period, has_period: bool, column: str = "_pdate") -> str:
    """A query row's period date is in the period (always, for a standard without one)."""
    if not has_period:
        return "TRUE"
    start, end = period.start.isoformat(), period.end.isoformat()
    return f"({column} IS NOT NULL AND {column} BETWEEN DATE '{start}' AND DATE '{end}')"


class QueryRows:
    """A compiled query's rows, one per subject in the register's order (row i is subject i),
    each packed into one integer instead of a tuple of five Python objects: a city has tens of
    millions of subject-standard rows, and the tuples took about 5 GiB.

    `dates`, `facilities`, `code_strings`: the distinct values, index 0 for none; a row holds
    its index into each and its population (0 false, 1 true, 2 not known). `in_scope`: the
    rows in the period and the population (the tally reads only those); how many rows are out
    of the period and out of the population is counted by DuckDB.

    The packed rows are read only for a subject's `Verdict` (per-subject outputs, the ledger's
    rows): with `keep` (the register's typed rows, whose database outlives the query's
    session) they are kept there, a table in the subjects' order, and fetched when first read —
    fetching them took about 0,7 s per standard of a city's 2,9 million persons."""

    __slots__ = (
        "__weakref__",
        "_count",
        "_keep",
        "_packed",
        "code_strings",
        "dates",
        "facilities",
        "in_scope",
        "out_of_period",
        "out_of_population",
    )

    def __init__(
        self,
        con: Any,
        table: str,
        period: Period,
        has_period: bool,
        standard: str,
        keep: TypedRows | None = None,
    ):
        def distinct(column: str, bits: int) -> list[Any]:
            query = f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY 1"
            found = [None, *(v for (v,) in con.execute(query).fetchall())]
            if len(found) >= 1 << bits:
                raise NotCompilable(f"more than {(1 << bits) - 1} distinct {column}", standard)
            return found

        self.dates = distinct("_pdate", _DATE_BITS)
        self.facilities = distinct("_fac", _FAC_BITS)
        self.code_strings = distinct("_codes", _CODE_BITS)
        in_period = _in_period_sql(period, has_period)

        # each value's rank among the distinct values (1…k as `distinct` lists them; NULL is 0),
        # joined from the few distinct values rather than ranked over every row
        ranks = {column: f"r{i}" for i, column in enumerate(("_codes", "_fac", "_pdate"))}
        joins = " ".join(
            f"LEFT JOIN (SELECT v, dense_rank() OVER (ORDER BY v) AS i FROM "
            f"(SELECT DISTINCT {column} AS v FROM {table} WHERE {column} IS NOT NULL)) {alias} "
            f"ON t.{column} = {alias}.v"
            for column, alias in ranks.items()
        )

        def rank(column: str) -> str:
            return f"coalesce({ranks[column]}.i, 0)::BIGINT"

        pop = "(CASE WHEN _pop IS NULL THEN 2 WHEN _pop THEN 1 ELSE 0 END)::BIGINT"
        packed = (
            f"({rank('_codes')} << {_FAC_BITS + _DATE_BITS + 2}) | ({rank('_fac')} << {_DATE_BITS + 2}) "
            f"| ({rank('_pdate')} << 2) | {pop}"
        )
        rows = f"SELECT t._rid, {packed} AS v FROM {table} t {joins}"
        [found] = con.execute(
            "SELECT count(*), "
            f"list(_rid ORDER BY _rid) FILTER (WHERE {in_period} AND _pop IS TRUE), "
            f"count(*) FILTER (WHERE NOT {in_period}), "
            f"count(*) FILTER (WHERE {in_period} AND _pop IS NOT TRUE) "
            f"FROM {table}"
        ).fetchall()
        self._count, in_scope, self.out_of_period, self.out_of_population = found
        self.in_scope = array("q", in_scope or ())
        self._packed: array | None = None
        self._keep: tuple[TypedRows, str] | None = None
        if keep is not None:
            # dropped when read, or with this
            kept = keep.qualified(f"_packed_{id(self)}")
            con.execute(f"CREATE OR REPLACE TABLE {kept} AS SELECT _rid::INTEGER AS r, v FROM ({rows})")
            self._keep = (keep, kept)
            weakref.finalize(self, _drop, keep, kept).atexit = False
        else:
            [(got,)] = con.execute(f"SELECT list(v ORDER BY _rid) FROM ({rows})").fetchall()
            self._packed = array("q", got or ())

    @property
    def packed(self) -> array:
        """Every row, packed (fetched when first read where they were kept)."""
        if self._packed is None:
            assert self._keep is not None
            keep, kept = self._keep
            con = keep.cursor(reopen=False)
            try:
                [(got,)] = con.execute(f"SELECT list(v ORDER BY r) FROM {kept}").fetchall()
                con.execute(f"DROP TABLE IF EXISTS {kept}")
            finally:
                con.close()
            self._packed = array("q", got or ())
            assert len(self._packed) == self._count, "the kept rows are not the query's"
        return self._packed

    def __len__(self) -> int:
        return self._count

    def period_date(self, i: int) -> Any:
        return self.dates[self.packed[i] >> 2 & ((1 << _DATE_BITS) - 1)]

    def row(self, i: int) -> _Row:
        """Row i as the query gave it."""
        return self._unpack(i, self.packed[i])

    def _unpack(self, i: int, v: int) -> _Row:
        return (
            i,
            self.dates[v >> 2 & ((1 << _DATE_BITS) - 1)],
            _POPS[v & 3],
            self.facilities[v >> (_DATE_BITS + 2) & ((1 << _FAC_BITS) - 1)],
            self.code_strings[v >> (_FAC_BITS + _DATE_BITS + 2)],
        )

    def __iter__(self) -> Iterator[_Row]:
        packed = self.packed
        return map(self._unpack, range(len(packed)), packed)


class CompiledVerdicts(Sequence[Verdict]):
    """A compiled standard's verdicts, one per subject record in the register's order, kept as
    the query's rows (`QueryRows`): a `Verdict` is built only when one is read (per-subject
    outputs: xlsx, html, diff). The report's counts come from `tally()` and the ledger's from
    `scope_table()`, neither of which builds a tree per subject — a city has millions of
    subject-standard pairs.
    """

    def __init__(
        self,
        compiled: CompiledStandard,
        register: Register,
        rows: QueryRows,
        linked_used: Used | None = None,
        groups: _Groups | None = None,
        trees: _Trees | None = None,
        outcomes: dict[str, Outcome] | None = None,
    ):
        std, period = compiled.standard, compiled.period
        self.compiled = compiled
        self.standard = std
        self._rows = rows
        self._register, self._period = register, period
        self._subjects = register.of_kind(std.subject_kind or "")
        self._subject_kind = std.subject_kind or ""
        self._trees = trees if trees is not None else _Trees(std)
        self._outcomes: dict[str, Outcome] = dict(outcomes or {})
        # each link's index is built when a verdict or the ledger's rows are asked for (a
        # city's links take 10-20 s to index in Python; the counts need none)
        self._links_made: _Links | None = None
        self._linked_used = linked_used
        self._key_field = register.contract.kinds[std.subject_kind or ""].key
        self._has_period = std.period_on is not None
        self._start, self._end = period.start, period.end
        self._pop_missing = (Missing(to_source(std.population)),) if std.population is not None else ()
        self._period_missing = (Missing(to_source(std.period_on)),) if std.period_on is not None else ()
        self._tally: Tally | None = None
        self._groups = groups

    @property
    def _link_plan(self) -> _Links:
        if self._links_made is None:
            self._links_made = _Links(self.standard, self._register, self._period)
        return self._links_made

    def _links(self, subject: Record) -> tuple[list[RecordRef], list[tuple[RecordRef, Reason]]]:
        return self._link_plan.of(subject)

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> Verdict: ...

    @overload
    def __getitem__(self, index: slice) -> list[Verdict]: ...

    def __getitem__(self, index: int | slice) -> Verdict | list[Verdict]:
        if isinstance(index, slice):
            return [self._verdict(self._rows.row(i)) for i in range(len(self._rows))[index]]
        return self._verdict(self._rows.row(range(len(self._rows))[index]))

    def __iter__(self) -> Iterator[Verdict]:
        for row in self._rows:
            yield self._verdict(row)

    def _in_period(self, pdate: Any) -> bool:
        return not self._has_period or (pdate is not None and self._start <= pdate <= self._end)

    def _key(self, rec: Record) -> str:
        key = rec.get(self._key_field) if self._key_field else None
        return str(key) if key is not None else str(rec.ref)

    def _verdict(self, row: _Row) -> Verdict:
        rid, pdate, pop, fac, codes = row
        rec = self._subjects[rid]
        in_period = self._in_period(pdate)
        in_population = in_period and pop is True
        scope_missing: tuple[Missing, ...] = ()
        if self._has_period and pdate is None:
            scope_missing = self._period_missing
        elif in_period and pop is None:
            scope_missing = self._pop_missing
        links, out = self._links(rec)
        linked, excluded = tuple(links), tuple(out)
        if in_population:
            criteria, counted = self._trees.criteria(codes)
        else:
            criteria, counted = (), False
        return Verdict(
            standard=self.standard.id,
            subject=self._key(rec),
            subject_ref=rec.ref,
            in_period=in_period,
            in_population=in_population,
            counted=counted,
            facility=fac if in_population else None,
            scope_facts=(),
            scope_missing=scope_missing,
            criteria=criteria,
            # the compiled path does not trace which records a criterion read: the records
            # linked to a subject in the population are its evidence (the interpreter is finer)
            evidence=linked if in_population else (),
            period_date=pdate if self._has_period else None,
            excluded=excluded,
            linked=linked,
        )

    def tally(self) -> Tally:
        """The per-facility counts straight from the rows: the rows out of scope are counted
        by DuckDB, and whether a subject counts and which criteria it failed are decided once
        per distinct code string."""
        if self._tally is not None:
            return self._tally
        rows = self._rows
        out = Tally()
        out.out_of_period, out.out_of_population = rows.out_of_period, rows.out_of_population
        if self._groups is not None:
            self._tally = self._tally_groups(out, self._groups)
            return self._tally
        outcomes: dict[int, Outcome] = {}
        facilities: dict[int, FacilityTally] = {}
        subjects, key_field = self._subjects, self._key_field
        keys = field_column(subjects, key_field) if key_field else [None] * len(subjects)
        packed, fac_shift, fac_mask = rows.packed, _DATE_BITS + 2, (1 << _FAC_BITS) - 1
        code_shift = _FAC_BITS + _DATE_BITS + 2
        for rid in rows.in_scope:
            v = packed[rid]
            c = v >> code_shift
            outcome = outcomes.get(c)
            if outcome is None:
                outcome = outcomes[c] = self._outcome(rows.code_strings[c])
            f = v >> fac_shift & fac_mask
            t = facilities.get(f)
            if t is None:
                t = facilities[f] = out.facility(rows.facilities[f] or UNKNOWN_FACILITY)
            key = keys[rid]
            t.add(str(key) if key is not None else str(subjects[rid].ref), outcome)
        self._tally = out
        return out

    def _outcome(self, code: str) -> Outcome:
        """What the tally keeps of a subject with these codes (decided once per code string:
        `run` decides those of every row's codes before grouping)."""
        found = self._outcomes.get(code)
        if found is None:
            found = self._outcomes[code] = Outcome.of(*self._trees.criteria(code))
        return found

    def _tally_groups(self, out: Tally, groups: _Groups) -> Tally:
        """The tally a facility at a time from DuckDB's groups (`_scope_groups`): what
        `FacilityTally.add` does per subject, done per distinct code string with its number
        of subjects. The failed criteria are counted in the order their first subject meets
        them, as subject by subject."""
        for fac, n, counted, not_counted, codes in groups:
            t = out.facility(fac or UNKNOWN_FACILITY)
            t.subjects += n
            t.counted += len(counted)
            t.counted_keys += counted
            t.not_counted_keys += not_counted
            for c, count in codes:
                outcome = self._outcome(c)
                if not outcome.counted:
                    for f in outcome.failing:
                        t.failing[f] += count
                for f in outcome.informative:
                    t.informative[f] += count
        return out

    def used_records(self) -> Used | None:
        """The records the subjects in the period and the population use, per kind a byte per
        record of `Register.of_kind` (1 where used): the subjects' own records and those their
        links give them (the compiled path's evidence); None when DuckDB could not follow the
        links (the ledger then follows them itself, from `scope_table`)."""
        if self._linked_used is None:
            return None
        own = bytearray(len(self._subjects))
        deque(map(own.__setitem__, self._rows.in_scope, repeat(1)), maxlen=0)  # C-level
        out = dict(self._linked_used)
        kind = self._subject_kind
        out[kind] = or_masks(out[kind], own) if kind in out else own
        return out

    def scope_table(self) -> ScopeTable:
        """Every subject's scope at once, for the ledger: it follows the links per standard,
        not per subject (see `report.ledger`)."""
        links = self._link_plan
        return ScopeTable(
            subjects=self._subjects,
            inside=self._rows.in_scope,
            period_date=self._rows.period_date,
            key=self._key,
            has_period=self._has_period,
            start=self._start,
            end=self._end,
            links=tuple(links.plan),
            out_of_period=links.out_of_period,
        )


def run(compiled: CompiledStandard, tables: Tables) -> CompiledVerdicts:
    """Verdicts for every subject of the standard's subject kind, in the register's order.

    The query's rows stay in DuckDB until they are fetched as columns (`QueryRows`); a query
    that does not give exactly one row per subject, row i for subject i, is not used (the
    interpreter evaluates the standard, and says why)."""
    tables.ensure(compiled.columns)
    con, std = tables.con, compiled.standard
    subjects = len(tables.register.of_kind(std.subject_kind or ""))
    # (unordered: every read of the table orders its rows by `_rid`)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _verdict_rows AS {compiled.sql('duckdb', ordered=False)}")
    try:
        count, whole = one_row_each(con, "_verdict_rows", subjects)
        if not whole:
            raise NotCompilable(f"the query gave {count} rows for {subjects} subjects", std.id)
        rows = QueryRows(
            con, "_verdict_rows", compiled.period, std.period_on is not None, std.id, tables.store
        )
        linked_used = _linked_used(con, compiled, tables.register, "_verdict_rows")
        # each code string's outcome, decided once (the trees are kept for the verdicts)
        trees = _Trees(std)
        outcomes = {c: Outcome.of(*trees.criteria(c)) for c in rows.code_strings if c is not None}
        groups = _scope_groups(con, compiled, tables, "_verdict_rows", outcomes)
    finally:
        con.execute("DROP TABLE IF EXISTS _verdict_rows")
    return CompiledVerdicts(compiled, tables.register, rows, linked_used, groups, trees, outcomes)


# per facility (as the query gives it) in the order first met, of its subjects in the period
# and the population: how many, the keys of those counted and not counted in the register's
# order, and each code string with its number of subjects in the order first met
_Groups = list[tuple[str | None, int, Keys, Keys, list[tuple[str, int]]]]


def _scope_groups(
    con: Any, compiled: CompiledStandard, tables: Tables, table: str, outcomes: dict[str, Outcome]
) -> _Groups | None:
    """The subjects in scope grouped by facility by DuckDB, in the order each facility is first
    met: how many, the keys of those counted and not counted (each code's `outcomes`, decided
    once in Python, joined to its subjects), and the subjects per code string. The tally is
    then made a facility at a time (`CompiledVerdicts.tally`) instead of a subject at a time,
    and no subject's code crosses to Python. None — the tally walks the rows — when a
    subject's key is not its text in DuckDB (a key field that is not a string, a subject
    without a key: its key is then its reference), a code has no outcome, or two facilities
    would be one in the tally (`UNKNOWN_FACILITY` written as a name)."""
    std = compiled.standard
    kind = std.subject_kind or ""
    spec = tables.register.contract.kinds[kind]
    key = spec.key
    if not key or key not in spec.fields or spec.fields[key].type != "string":
        return None
    tables.ensure({kind: (key,)})
    inside = f"{_in_period_sql(compiled.period, std.period_on is not None, 'v._pdate')} AND v._pop IS TRUE"
    scope = (
        f"SELECT v._rid AS r, nullif(v._fac, '') AS fac, v._codes AS code, s.\"{key}\" AS key, o.counted "
        f'FROM {table} v JOIN "{table_name(kind)}" s ON s._rid = v._rid '
        f"LEFT JOIN _outcomes o ON o.code = v._codes WHERE {inside}"
    )
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _outcomes AS "
            "SELECT unnest($1::VARCHAR[]) AS code, unnest($2::BOOLEAN[]) AS counted",
            [list(outcomes), [o.counted for o in outcomes.values()]],
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE _scope AS {scope}")
        # each facility's keys joined into one text by DuckDB (`Keys.joined`), the counted
        # (how many) and the others
        found = con.execute(
            f"SELECT fac, count(*), string_agg(key, '{SEP}' ORDER BY r) FILTER (WHERE counted), "
            "count(*) FILTER (WHERE counted), "
            f"string_agg(key, '{SEP}' ORDER BY r) FILTER (WHERE NOT counted), "
            "count(key) = count(*) AND count(counted) = count(*) "
            "FROM _scope GROUP BY fac ORDER BY min(r)"
        ).fetchall()
        per_code = con.execute(
            "SELECT fac, list(code ORDER BY first), list(n ORDER BY first) FROM "
            "(SELECT fac, code, count(*) AS n, min(r) AS first FROM _scope GROUP BY fac, code) "
            "GROUP BY fac"
        ).fetchall()
    except duckdb.Error:
        return None
    finally:
        con.execute("DROP TABLE IF EXISTS _scope")
        con.execute("DROP TABLE IF EXISTS _outcomes")
    names = [fac or UNKNOWN_FACILITY for fac, *_rest in found]
    if not all(whole for *_rest, whole in found) or len(set(names)) != len(names):
        return None
    codes = {fac: list(zip(cs, ns, strict=True)) for fac, cs, ns in per_code}
    out: _Groups = []
    for fac, n, counted, n_counted, not_counted, _whole in found:  # (every subject's flag known)
        keys, other_keys = Keys.joined(counted, n_counted), Keys.joined(not_counted, n - n_counted)
        if keys is None or other_keys is None:
            return None  # a key with a double quote: not told apart in the joined text
        out.append((fac, n, keys, other_keys, codes[fac]))
    return out


def _linked_used(con: Any, compiled: CompiledStandard, register: Register, table: str) -> Used | None:
    """Per linked kind, the records the subjects in the period and the population use through
    the standard's `record(s)` statements, a byte per record of `Register.of_kind` (1 where
    used): what the ledger counts as used, asked of DuckDB instead of following every link in
    Python.

    A link means what `_Links.of` does: the records of its kind whose field `by` equals the
    subject's (never NULL), in the register's order (`_rid`); `in period` keeps those whose
    date is in the period (none when the kind has no date field); `record` (one, not
    `records`) the first of those. The subjects' distinct values are joined, not the subjects:
    a record is linked to every subject with its value, and used when one of them is inside.
    None when DuckDB cannot compare the two fields."""
    std, period = compiled.standard, compiled.period
    inside = f"{_in_period_sql(period, std.period_on is not None, 'v._pdate')} AND v._pop IS TRUE"
    subject = table_name(std.subject_kind or "")
    start, end = period.start.isoformat(), period.end.isoformat()
    out: Used = {}
    try:
        for link in std.links:
            by = f'"{link.by}"'
            values = (
                f'SELECT DISTINCT s.{by} AS value FROM {table} v JOIN "{subject}" s ON s._rid = v._rid '
                f"WHERE {inside} AND s.{by} IS NOT NULL"
            )
            kept = "TRUE"
            if link.in_period:
                date_field = register.contract.kinds[link.kind].date_field
                kept = (
                    f"l.\"{date_field}\" BETWEEN DATE '{start}' AND DATE '{end}'" if date_field else "FALSE"
                )
            linked = (
                f'SELECT l._rid AS r, i.value FROM ({values}) i JOIN "{table_name(link.kind)}" l '
                f"ON l.{by} = i.value WHERE {kept}"
            )
            if not link.many:
                linked = f"SELECT min(r) AS r FROM ({linked}) GROUP BY value"
            n = len(register.of_kind(link.kind))
            mask = bytearray(n)
            if n:
                # a bit per record, fetched as one text of 0s and 1s: twenty times faster
                # than the positions as a list of integers
                [(bits,)] = con.execute(f"SELECT bitstring_agg(r, 0, {n - 1}) FROM ({linked})").fetchall()
                if bits is not None:
                    mask = bytearray(bits.encode("ascii").translate(_BIT_TO_BYTE))
            found = out.get(link.kind)
            out[link.kind] = mask if found is None else or_masks(found, mask)
    except duckdb.Error:
        return None
    return out


_BIT_TO_BYTE = bytes.maketrans(b"01", b"\0\1")  # DuckDB's text of a BIT value, position 0 first
