"""Compile a checked standard to one SQL query (sqlglot expressions, any dialect).

The query reads one table per record kind (`t_<kind>`, a `_rid` column giving the register's
order: date order, ties in reading order) and gives one row per subject: its `_rid`, the date
that places it in the period, whether it is in the population (TRUE/FALSE/NULL), the facility,
and one code per criterion and group (`CODE_*` below), from which `verdicts.py` builds the same
verdict trees the interpreter builds. Meaning is the interpreter's (docs/language.md): SQL NULL
is `missing`, AND/OR/NOT are already three-valued; where SQL differs (BETWEEN, IF, LEAST,
division by zero, `all` over nothing, `sum` over nothing) the compiled form says so explicitly.
Aggregates are correlated sub-queries over the subject's linked records; lets and defines are
inlined (they are pure macros).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlglot import exp

from ...lang import ast as A
from ...lang.builtins import BUILTINS
from ...lang.checker import RuleSet
from ..period import Period
from .errors import NotCompilable
from .functions import NOT_COMPILABLE, SQL_FORMS, any_null, case, date_lit, num, paren

SUBJECT = "s"
# a criterion's code: when (- none, T, F, U missing) then require (T, F, U, - not evaluated)
# a group's code: its when (- none, T, F, U)


def table_name(kind: str) -> str:
    return f"t_{kind}"


def let_column(name: str) -> str:
    return f"_l_{name}"


# ---- what a name stands for while compiling --------------------------------------------------


@dataclass(frozen=True)
class Scalar:
    sql: exp.Expression


@dataclass(frozen=True)
class Row:
    """A record in scope as a row of a (sub-)query: the subject or an aggregate's variable."""

    alias: str
    kind: str


@dataclass(frozen=True)
class Coll:
    """The subject's records of a kind through a link, narrowed by filters (var, where, env)."""

    kind: str
    by: str
    in_period: bool
    filters: tuple[tuple[str, A.Expr, Env], ...] = ()


@dataclass(frozen=True)
class Pick:
    """The first or last record of a collection (a `record` link is the first)."""

    coll: Coll
    last: bool


@dataclass(frozen=True)
class VSet:
    items: tuple[Any, ...]


Bound = Scalar | Row | Coll | Pick | VSet


@dataclass
class Group:
    """One pass over a linked kind: every aggregate over it that reads nothing but its own
    records (no field of the subject, no outer record) becomes a column of one GROUP BY, with
    its filter as a FILTER clause, joined to the subject once. One scan instead of one join
    per aggregate; the empty collection (no row in the group) keeps its meaning through
    COALESCE."""

    name: str  # the CTE
    alias: str  # the linked table inside it
    kind: str
    by: str
    in_period: bool
    aggs: list[exp.Expression] = field(default_factory=list)
    # each `any` over the group's records: its column and its condition (None: any record),
    # made bits of a few masks by `query._group_ctes` (or a count each, `portable`)
    anys: list[tuple[str, exp.Expression | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.aggs.append(exp.alias_(exp.Count(this=exp.Star()), self.rows))

    def columns(self) -> list[str]:
        """The group's columns joined to the subject (every one but its key)."""
        return [a.alias for a in self.aggs] + [name for name, _cond in self.anys]

    @property
    def rows(self) -> str:
        """The column that is NULL exactly when the subject has no record in the group."""
        return f"{self.name}_rows"


@dataclass
class Ranked:
    """The first or last record of a collection whose filters read nothing but its records:
    one ranking (ROW_NUMBER over the register's order) per collection and filter, its fields
    joined to the subject as columns, instead of one ORDER BY … LIMIT 1 sub-query per field."""

    name: str
    kind: str
    by: str
    in_period: bool
    last: bool
    conds: list[exp.Expression]
    fields: list[str] = field(default_factory=list)

    ALIAS = "p"

    def column(self, fname: str) -> str:
        self.fields += [fname] if fname not in self.fields else []
        return f"{self.name}_{fname}"


def _names(e: A.Expr) -> set[str]:
    """Every name an expression reads (aggregate variables included)."""
    out = {e.name} if isinstance(e, A.Name) else set()
    for child in A.children_of(e):
        out |= _names(child)
    return out


@dataclass(frozen=True, eq=False)
class Env:
    """Names in scope, as in the interpreter: innermost first; defines do not see the subject."""

    vars: dict[str, Bound]
    parent: Env | None = None
    subject_visible: bool = True

    def find(self, name: str) -> Bound | None:
        env: Env | None = self
        while env is not None:
            if name in env.vars:
                return env.vars[name]
            env = env.parent
        return None

    @property
    def sees_subject(self) -> bool:
        env = self
        while env.parent is not None:
            env = env.parent
        return env.subject_visible


@dataclass
class ExprCompiler:
    """Translates expressions of one standard; remembers which columns each kind needs."""

    rs: RuleSet
    std: A.Standard
    period: Period
    aliases: itertools.count = field(default_factory=lambda: itertools.count(1))
    columns: dict[str, set[str]] = field(default_factory=dict)
    # standard-level lets with a scalar value become columns of the subject row, computed
    # once in layers (a let is one layer after the lets it reads): `_l_<name>`
    let_layer: dict[str, int] = field(default_factory=dict)
    let_sql: dict[str, exp.Expression] = field(default_factory=dict)
    _lets: dict[str, Bound] = field(default_factory=dict)
    _deps: list[set[str]] = field(default_factory=list)
    groups: dict[tuple[str, str, bool], Group] = field(default_factory=dict)
    ranked: dict[tuple[Any, ...], Ranked] = field(default_factory=dict)
    _free: int = 0  # > 0 while compiling an expression of a group (no subject, no sub-query)

    def __post_init__(self) -> None:
        self._std_lets = {let.name: let for let in self.std.lets}
        self._links = {link.name: link for link in self.std.links}
        self.subject_kind = self.std.subject_kind or ""
        self.kinds = self.rs.contract.kinds
        self.use(self.subject_kind, None)
        for link in self.std.links:
            self.use(link.kind, link.by)
            self.use(self.subject_kind, link.by)
            if link.in_period:
                self.use(link.kind, self.kinds[link.kind].date_field)

    def use(self, kind: str, column: str | None) -> None:
        cols = self.columns.setdefault(kind, set())
        if column is not None:
            cols.add(column)

    def fail(self, construct: str) -> NotCompilable:
        return NotCompilable(construct, self.std.id)

    # ---- names ----
    def root(self) -> Env:
        return Env({}, None, True)

    def name(self, name: str, env: Env) -> Bound:
        found = env.find(name)
        if found is not None:
            return _fresh(found)
        if env.sees_subject:
            if name in self._std_lets:
                if name not in self._lets:
                    self._let(name)
                if name in self.let_layer and self._deps:
                    self._deps[-1].add(name)
                return _fresh(self._lets[name])
            if name in self._links:
                link = self._links[name]
                coll = Coll(link.kind, link.by, link.in_period)
                return coll if link.many else Pick(coll, last=False)
            if name in self.kinds[self.subject_kind].fields:
                self.use(self.subject_kind, name)
                return Scalar(exp.column(name, table=SUBJECT))
        if name in self.rs.defines:
            d = self.rs.defines[name]
            return self.bound(d.body, Env({}, None, False))
        if name in self.rs.valuesets:
            return VSet(tuple(i.value for i in self.rs.valuesets[name].items))
        if name == "period_start":
            return Scalar(date_lit(self.period.start))
        if name == "period_end":
            return Scalar(date_lit(self.period.end))
        if name == "period_label":
            return Scalar(exp.Literal.string(self.period.label))
        raise self.fail(f"name {name}")

    def _let(self, name: str) -> None:
        self._deps.append(set())
        try:
            b = self.bound(self._std_lets[name].expr, self.root())
        finally:
            deps = self._deps.pop()
        if isinstance(b, Scalar):
            self.let_layer[name] = 1 + max((self.let_layer[d] for d in deps), default=0)
            self.let_sql[name] = b.sql
            b = Scalar(exp.column(let_column(name), table=SUBJECT))
        self._lets[name] = b

    # ---- expressions ----
    def sql(self, e: A.Expr, env: Env) -> exp.Expression:
        """A scalar value as SQL."""
        b = self.bound(e, env)
        if isinstance(b, Scalar):
            return b.sql
        raise self.fail(f"{type(b).__name__.lower()} used as a value ({type(e).__name__})")

    def bound(self, e: A.Expr, env: Env) -> Bound:
        match e:
            case A.Literal(value=v, kind=kind):
                return Scalar(literal(v, kind))
            case A.SetLit(items=items):
                return VSet(tuple(i.value for i in items))
            case A.Name(name=name):
                return self.name(name, env)
            case A.Field(target=t, name=fname):
                return Scalar(self.field(self.bound(t, env), fname))
            case A.Call():
                return self.call(e, env)
            case A.Aggregate():
                return self.aggregate(e, env)
            case A.Unary(op="-", operand=o):
                return Scalar(exp.Neg(this=paren(self.sql(o, env))))
            case A.Unary(op="not", operand=o):
                return Scalar(paren(exp.Not(this=paren(self.sql(o, env)))))
            case A.Binary(op="and", left=left, right=right):
                return Scalar(
                    paren(exp.And(this=paren(self.sql(left, env)), expression=paren(self.sql(right, env))))
                )
            case A.Binary(op="or", left=left, right=right):
                return Scalar(
                    paren(exp.Or(this=paren(self.sql(left, env)), expression=paren(self.sql(right, env))))
                )
            case A.Binary(op=op, left=left, right=right):
                return Scalar(arith(op, self.sql(left, env), self.sql(right, env)))
            case A.Compare(op=op, left=left, right=right):
                return Scalar(compare(op, self.sql(left, env), self.sql(right, env)))
            case A.InSet(value=v, set=s, negated=neg):
                items = self.bound(s, env)
                if not isinstance(items, VSet):
                    raise self.fail("in without a value set")
                test = exp.In(this=paren(self.sql(v, env)), expressions=[literal_of(i) for i in items.items])
                return Scalar(paren(exp.Not(this=paren(test)) if neg else paren(test)))
            case A.Between(value=v, low=lo, high=hi):
                args = [self.sql(v, env), self.sql(lo, env), self.sql(hi, env)]
                test = exp.Between(this=paren(args[0]), low=paren(args[1]), high=paren(args[2]))
                return Scalar(case((any_null(args), exp.Null()), default=test))
            case A.IsMissing(value=v, negated=neg):
                b = self.bound(v, env)
                ranked = self.rank(b) if isinstance(b, Pick) else None
                if ranked is not None:
                    test: exp.Expression = exp.Is(
                        this=exp.column(ranked.column("_rid"), table=SUBJECT), expression=exp.Null()
                    )
                elif isinstance(b, Pick):
                    test = exp.Not(this=exp.Exists(this=self.select(b.coll, None, [exp.Literal.number(1)])))
                elif isinstance(b, Scalar):
                    test = exp.Is(this=paren(b.sql), expression=exp.Null())
                else:
                    raise self.fail(f"is missing on a {type(b).__name__.lower()}")
                return Scalar(paren(exp.Not(this=paren(test)) if neg else paren(test)))
            case A.IfExpr(cond=c, then=t, else_=f):
                cond = self.sql(c, env)
                return Scalar(
                    case(
                        (exp.Is(this=paren(cond.copy()), expression=exp.Null()), exp.Null()),
                        (cond, self.sql(t, env)),
                        default=self.sql(f, env),
                    )
                )
        raise self.fail(type(e).__name__)

    def field(self, target: Bound, fname: str) -> exp.Expression:
        if isinstance(target, Row):
            self.use(target.kind, fname)
            return exp.column(fname, table=target.alias)
        if isinstance(target, Pick):
            ranked = self.rank(target)
            if ranked is not None:
                self.use(target.coll.kind, fname)
                return exp.column(ranked.column(fname), table=SUBJECT)
            alias = self.alias()
            self.use(target.coll.kind, fname)
            order = exp.Ordered(this=exp.column("_rid", table=alias), desc=target.last)
            q = self.select(target.coll, alias, [exp.column(fname, table=alias)])
            q = q.order_by(order, copy=False).limit(1, copy=False)
            return exp.Subquery(this=q)
        raise self.fail(f"field .{fname} of a {type(target).__name__.lower()}")

    def call(self, e: A.Call, env: Env) -> Bound:
        if e.func in self.rs.defines:
            d = self.rs.defines[e.func]
            args = [self.bound(a, env) for a in e.args]
            return self.bound(d.body, Env(dict(zip(d.params or (), args, strict=True)), None, False))
        if e.func in NOT_COMPILABLE:
            raise self.fail(f"{e.func}(): {NOT_COMPILABLE[e.func]}")
        if e.func not in SQL_FORMS or e.func not in BUILTINS:
            raise self.fail(f"function {e.func}")
        return Scalar(SQL_FORMS[e.func]([self.sql(a, env) for a in e.args], self.period))

    # ---- aggregates ----
    def alias(self) -> str:
        return f"r{next(self.aliases)}"

    def select(self, coll: Coll, alias: str | None, projections: list[exp.Expression]) -> exp.Select:
        """SELECT projections FROM the collection's table WHERE linked, in period, filtered."""
        if self._free:
            raise self.fail("a sub-query inside a grouped aggregate")
        alias = alias or self.alias()
        conds = self.conditions(coll, alias)
        q = exp.select(*projections, copy=False).from_(
            exp.to_table(table_name(coll.kind)).as_(alias, copy=False), copy=False
        )
        return q.where(exp.and_(*conds, copy=False), copy=False) if conds else q

    def in_period(self, kind: str, alias: str) -> exp.Expression:
        """The record's date (its kind's date field) within the period."""
        return exp.Between(
            this=exp.column(self.kinds[kind].date_field, table=alias),
            low=date_lit(self.period.start),
            high=date_lit(self.period.end),
        )

    def free(self, parts: list[tuple[str, A.Expr]], row: Row) -> list[exp.Expression] | None:
        """Expressions of one record variable each, compiled with nothing else in scope (no
        subject, no sub-query: for a GROUP BY or a ranking); None when one cannot be."""
        self._free += 1
        try:
            return [self.sql(expr, Env({var: row}, None, False)) for var, expr in parts]
        except NotCompilable:
            return None
        finally:
            self._free -= 1

    def conditions(self, coll: Coll, alias: str) -> list[exp.Expression]:
        self.use(coll.kind, coll.by)
        conds: list[exp.Expression] = [
            exp.EQ(this=exp.column(coll.by, table=alias), expression=exp.column(coll.by, table=SUBJECT))
        ]
        if coll.in_period:
            conds.append(self.in_period(coll.kind, alias))
        row = Row(alias, coll.kind)
        for var, where, fenv in coll.filters:
            conds.append(paren(self.sql(where, Env({var: row}, fenv))))
        return conds

    def aggregate(self, e: A.Aggregate, env: Env) -> Bound:
        src = self.bound(e.source, env)
        if not isinstance(src, Coll):
            raise self.fail(f"{e.func} over a {type(src).__name__.lower()}")
        coll = src
        if e.where is not None:
            coll = Coll(src.kind, src.by, src.in_period, (*src.filters, (e.var, e.where, env)))
        f = e.func
        if f == "filter":
            return coll
        if f in ("first", "last"):
            return Pick(coll, last=f == "last")
        grouped = self.grouped(e, coll, env)
        if grouped is not None:
            return grouped
        alias = self.alias()
        count = exp.Count(this=exp.Star())
        if f == "count":
            return Scalar(exp.Subquery(this=self.select(coll, alias, [count])))
        if f == "any":
            return Scalar(exp.Exists(this=self.select(coll, alias, [exp.Literal.number(1)])))
        if e.value is None:
            raise self.fail(f"{f} without a value")
        value = self.sql(e.value, Env({e.var: Row(alias, coll.kind)}, env))
        if f == "count_distinct":
            agg: exp.Expression = exp.Count(this=exp.Distinct(expressions=[paren(value)]))
        elif f == "sum":
            agg = case((exp.EQ(this=count, expression=num(0)), num(0)), default=exp.Sum(this=paren(value)))
        elif f in ("min", "max"):
            agg = (exp.Min if f == "min" else exp.Max)(this=paren(value))
        elif f == "all":
            agg = case(
                (exp.EQ(this=count, expression=num(0)), exp.Null()),
                (exp.GT(this=_count_if(exp.Not(this=paren(value.copy()))), expression=num(0)), exp.false()),
                (
                    exp.GT(
                        this=_count_if(exp.Is(this=paren(value), expression=exp.Null())), expression=num(0)
                    ),
                    exp.Null(),
                ),
                default=exp.true(),
            )
        else:
            raise self.fail(f"aggregate {f}")
        return Scalar(exp.Subquery(this=self.select(coll, alias, [agg])))

    def grouped(self, e: A.Aggregate, coll: Coll, env: Env) -> Scalar | None:
        """The aggregate as a column of its collection's group, when it reads nothing but the
        collection's records (names bound around it would mean something else outside)."""
        parts = [(var, where, fenv) for var, where, fenv in coll.filters]
        if e.value is not None:
            parts.append((e.var, e.value, env))
        if self._free or not self._reads_only_records(parts):
            return None
        key = (coll.kind, coll.by, coll.in_period)
        group = self.groups.get(key) or Group(f"_g{len(self.groups) + 1}", f"g{len(self.groups) + 1}", *key)
        wheres = [(var, where) for var, where, _s in coll.filters]
        compiled = self.free(
            wheres + ([(e.var, e.value)] if e.value is not None else []), Row(group.alias, coll.kind)
        )
        if compiled is None:
            return None
        conds = [paren(c) for c in compiled[: len(wheres)]]
        value = compiled[-1] if e.value is not None else None
        cond = exp.and_(*conds, copy=False) if conds else None

        def filtered(agg: exp.Expression) -> exp.Expression:
            return exp.Filter(this=agg, expression=exp.Where(this=cond.copy())) if cond is not None else agg

        count = filtered(exp.Count(this=exp.Star()))
        empty: exp.Expression | None = num(0)  # the value over no record, when not NULL
        f = e.func
        agg: exp.Expression | None = None  # (an `any` is a condition of the group's, `anys`)
        if f == "count":
            agg = count
        elif f == "any":
            empty = exp.false()
        elif value is None:
            raise self.fail(f"{f} without a value")
        elif f == "count_distinct":
            agg = filtered(exp.Count(this=exp.Distinct(expressions=[paren(value)])))
        elif f == "sum":  # over no record 0, over records without values missing
            total = filtered(exp.Sum(this=paren(value)))
            agg, empty = case((exp.EQ(this=count, expression=num(0)), num(0)), default=total), None
        elif f in ("min", "max"):
            agg, empty = filtered((exp.Min if f == "min" else exp.Max)(this=paren(value))), None
        elif f == "all":
            false_ = filtered(_count_if(exp.Not(this=paren(value.copy()))))
            null_ = filtered(_count_if(exp.Is(this=paren(value), expression=exp.Null())))
            agg = case(
                (exp.EQ(this=count, expression=num(0)), exp.Null()),
                (exp.GT(this=false_, expression=num(0)), exp.false()),
                (exp.GT(this=null_, expression=num(0)), exp.Null()),
                default=exp.true(),
            )
            empty = None
        else:
            return None
        self.groups[key] = group
        column = f"_a{sum(len(g.columns()) for g in self.groups.values()) + 1}"
        if agg is None:
            group.anys.append((column, cond.copy() if cond is not None else None))
        else:
            group.aggs.append(exp.alias_(agg, column))
        self.use(coll.kind, coll.by)
        ref: exp.Expression = exp.column(column, table=SUBJECT)
        if empty is not None:  # no record at all: no row in the group
            ref = exp.Coalesce(this=ref, expressions=[empty])
        elif f == "sum":  # NULL is a sum of missing values; no row in the group is 0
            absent = exp.Is(this=exp.column(group.rows, table=SUBJECT), expression=exp.Null())
            ref = case((absent, num(0)), default=ref)
        return Scalar(ref)

    def _reads_only_records(self, parts: list[tuple[str, A.Expr, Env]]) -> bool:
        """Each expression reads only its variable's record, defines, value sets and constants
        (a name bound around it, or a name of the subject, would mean something else in a
        GROUP BY)."""
        subject = self._std_lets.keys() | self._links.keys() | self.kinds[self.subject_kind].fields.keys()
        return not any(
            n != var and (scope.find(n) is not None or n in subject)
            for var, expr, scope in parts
            for n in _names(expr)
        )

    def rank(self, pick: Pick) -> Ranked | None:
        """The ranking that gives this first/last record, when its filters allow one."""
        coll = pick.coll
        if self._free or not self._reads_only_records(list(coll.filters)):
            return None
        compiled = self.free([(var, where) for var, where, _s in coll.filters], Row(Ranked.ALIAS, coll.kind))
        if compiled is None:
            return None
        conds = [paren(c) for c in compiled]
        key = (coll.kind, coll.by, coll.in_period, pick.last, tuple(c.sql() for c in conds))
        if key not in self.ranked:
            name = f"_p{len(self.ranked) + 1}"
            self.ranked[key] = Ranked(name, coll.kind, coll.by, coll.in_period, pick.last, conds)
        self.use(coll.kind, coll.by)
        return self.ranked[key]


def _fresh(b: Bound) -> Bound:
    """A bound value placed once more in the query: SQL trees are not shared between places."""
    return Scalar(b.sql.copy()) if isinstance(b, Scalar) else b


def _count_if(cond: exp.Expression) -> exp.Expression:
    return exp.Sum(this=case((cond, num(1)), default=num(0)))


def literal(value: Any, kind: str) -> exp.Expression:
    if kind == "missing":
        return exp.Null()
    return literal_of(value)


def literal_of(value: Any) -> exp.Expression:
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, Decimal | int | float):
        return num(format(Decimal(value), "f"))
    if isinstance(value, str):
        return exp.Literal.string(value)
    if hasattr(value, "isoformat"):
        return date_lit(value)
    raise NotCompilable(f"literal {value!r}")


def arith(op: str, a: exp.Expression, b: exp.Expression) -> exp.Expression:
    a, b = paren(a), paren(b)
    if op == "+":
        return paren(exp.Add(this=a, expression=b))
    if op == "-":
        return paren(exp.Sub(this=a, expression=b))
    if op == "*":
        return paren(exp.Mul(this=a, expression=b))
    if op == "/":  # division by zero is missing, never an error
        return case(
            (exp.EQ(this=b.copy(), expression=num(0)), exp.Null()), default=exp.Div(this=a, expression=b)
        )
    raise NotCompilable(f"operator {op}")


_COMPARE = {"==": exp.EQ, "!=": exp.NEQ, ">=": exp.GTE, "<=": exp.LTE, ">": exp.GT, "<": exp.LT}


def compare(op: str, a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return paren(_COMPARE[op](this=paren(a), expression=paren(b)))
