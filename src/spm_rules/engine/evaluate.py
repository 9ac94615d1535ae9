"""The reference interpreter: evaluate a checked standard over the subjects of a register.

Semantics (see docs/language.md):
- three-valued logic: a value that is not recorded is `Missing`, which propagates through
  comparisons and arithmetic; `false and missing` is false, `true or missing` is true;
- a criterion whose result is `Missing` is "not met — not recorded", never an exception;
- aggregates run over collections in date order; `all` over no records is `Missing`;
- evidence: records that passed an aggregate's filter or whose fields were read, and the
  values compared at the top level of the criterion (not inside filters).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any

from ..lang import ast as A
from ..lang.builtins import BUILTINS, OnMissing
from ..lang.checker import RuleSet
from ..lang.printer import to_source
from ..model import Reason, Record, RecordRef, Register
from .functions import IMPLEMENTATIONS, CallContext
from .period import Period
from .verdict import Fact, Missing, NodeResult, Status, Verdict, group_status, is_counted, node_result


class _Ctx:
    """What one criterion (or scope statement) looked at while it was evaluated."""

    __slots__ = ("depth", "facts", "labels", "refs", "texts", "tracing")

    def __init__(self, labels: dict[str, str], tracing: bool = True, texts: dict[int, str] | None = None):
        self.texts = texts if texts is not None else {}
        self.refs: dict[RecordRef, None] = {}
        self.facts: list[Fact] = []
        self.labels = labels
        self.tracing = tracing
        self.depth = 0

    def ref(self, ref: RecordRef) -> None:
        if self.tracing:
            self.refs[ref] = None

    def fact(self, fact: Fact) -> None:
        if self.tracing and self.depth == 0:
            self.facts.append(fact)

    def label(self, expr: A.Expr) -> str:
        if isinstance(expr, A.Name) and expr.name in self.labels:
            return self.labels[expr.name]
        return source_text(expr, self.texts)


@dataclass
class _Env:
    vars: dict[str, Any]
    parent: _Env | None = None
    subject_visible: bool = True

    def find(self, name: str) -> tuple[bool, Any]:
        env: _Env | None = self
        while env is not None:
            if name in env.vars:
                return True, env.vars[name]
            if env.parent is None:
                break
            env = env.parent
        return False, None

    @property
    def sees_subject(self) -> bool:
        env: _Env = self
        while env.parent is not None:
            env = env.parent
        return env.subject_visible


_NOT_FOUND = object()


def source_text(expr: A.Expr, texts: dict[int, str]) -> str:
    """The text of an expression, computed once per evaluation run (AST nodes are immutable
    and live as long as the rule set, so their identity is a stable key)."""
    key = id(expr)
    text = texts.get(key)
    if text is None:
        text = texts[key] = to_source(expr)
    return text


def _is_missing(v: Any) -> bool:
    return isinstance(v, Missing)


@dataclass
class SubjectEvaluator:
    """Evaluates one standard for one subject record."""

    rs: RuleSet
    std: A.Standard
    register: Register
    period: Period
    subject: Record
    _lets: dict[str, Any] = field(default_factory=dict)
    _links: dict[str, Any] = field(default_factory=dict)
    _evaluating: set[str] = field(default_factory=set)
    _excluded: dict[RecordRef, Reason] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)  # shared by the subjects of one run
    calls: CallContext | None = None
    _in_let: str | None = None  # the standard-level let being evaluated (it names a collection)

    def __post_init__(self) -> None:
        if self.calls is None:
            self.calls = CallContext(self.period)
        self._std_lets = {let.name: let for let in self.std.lets}
        self._link_decls = {link.name: link for link in self.std.links}
        self._labels = {let.name: let.label for let in self.std.lets if let.label}

    # ---- public ----
    def verdict(self) -> Verdict:
        kind = self.register.contract.kinds[self.subject.kind]
        key = self.subject.get(kind.key) if kind.key else None
        key = str(key) if key is not None else str(self.subject.ref)
        scope_ctx = _Ctx(self._labels, texts=self.texts)
        scope_missing: list[Missing] = []
        in_period = True
        period_date = None
        if self.std.period_on is not None:
            d = self.ev(self.std.period_on, self._root(), scope_ctx)
            if _is_missing(d):
                in_period = False
                scope_missing.append(d)
            else:
                period_date = d
                in_period = self.period.contains(d)
        in_population = False
        if in_period and self.std.population is not None:
            p = self.ev(self.std.population, self._root(), scope_ctx)
            if _is_missing(p):
                scope_missing.append(p)
            in_population = p is True
        facility = None
        criteria: tuple[NodeResult, ...] = ()
        # every record linked to the subject, for the ledger: what belongs to a subject out of
        # scope is out of scope with it; what no criterion needed is said so
        refs: list[RecordRef] = []
        for link in self.std.links:
            value = self._subject_name(link.name, _Ctx({}, tracing=False, texts=self.texts))
            if isinstance(value, list):
                refs += [r.ref for r in value]
            elif isinstance(value, Record):
                refs.append(value.ref)
        linked = tuple(refs)
        if in_population:
            f = self.ev(self.std.attribute, self._root(), scope_ctx) if self.std.attribute else None
            facility = None if f is None or _is_missing(f) else str(f)
            criteria = tuple(self._node(n) for n in self.std.criteria)
        counted = in_population and is_counted(criteria)
        return Verdict(
            standard=self.std.id,
            subject=key,
            subject_ref=self.subject.ref,
            in_period=in_period,
            in_population=in_population,
            counted=counted,
            facility=facility,
            scope_facts=tuple(scope_ctx.facts),
            scope_missing=tuple(scope_missing),
            criteria=criteria,
            evidence=tuple(scope_ctx.refs),
            period_date=period_date,
            excluded=tuple(self._excluded.items()),
            linked=linked,
        )

    # ---- criteria and groups ----
    def _node(self, node: A.Criterion | A.Group, parent_na: bool = False) -> NodeResult:
        if isinstance(node, A.Group):
            return self._group(node, parent_na)
        return self._criterion(node, parent_na)

    def _result(
        self,
        node: A.Criterion | A.Group,
        status: Status,
        ctx: _Ctx,
        missing: tuple[Missing, ...] = (),
        children: tuple[NodeResult, ...] = (),
        when: str | None = None,
    ) -> NodeResult:
        """A node's result with what it looked at (the compiled path has no trace)."""
        facts, evidence = tuple(ctx.facts), tuple(ctx.refs)
        return node_result(node, status, missing, children, when, facts, evidence)

    def _group(self, node: A.Group, parent_na: bool) -> NodeResult:
        ctx = _Ctx(self._labels, texts=self.texts)
        na = parent_na
        missing: list[Missing] = []
        when = None
        if node.when is not None and not parent_na:
            w = self.ev(node.when, self._root(), ctx)
            when = _when_text(w)
            if _is_missing(w):
                missing.append(w)
            elif w is False:
                na = True
        if missing:
            children = tuple(self._node(c, True) for c in node.children)
            return self._result(node, Status.NOT_MET, ctx, tuple(missing), children, when=when)
        children = tuple(self._node(c, na) for c in node.children)
        return self._result(node, group_status(children, na), ctx, (), children, when=when)

    def _criterion(self, node: A.Criterion, parent_na: bool) -> NodeResult:
        ctx = _Ctx({**self._labels, **{x.name: x.label for x in node.lets if x.label}}, texts=self.texts)
        if parent_na:
            return self._result(node, Status.NOT_APPLICABLE, ctx)
        env = _Env({}, None, True)
        when = None
        try:
            # a let's inner comparisons are not what the criterion compared: its records count
            # as evidence, its value shows where `when` / `require` use it
            ctx.depth += 1
            try:
                for let in node.lets:
                    env.vars[let.name] = self.ev(let.expr, env, ctx)
            finally:
                ctx.depth -= 1
            if node.when is not None:
                w = self.ev(node.when, env, ctx)
                when = _when_text(w)
                if _is_missing(w):
                    return self._result(node, Status.NOT_MET, ctx, (w,), when=when)
                if w is False:
                    return self._result(node, Status.NOT_APPLICABLE, ctx, when=when)
            r = self.ev(node.require, env, ctx) if node.require is not None else True
        except _EvalFailure as exc:
            failure = Missing(exc.what, code="missing.failure")
            return self._result(node, Status.NOT_MET, ctx, (failure,), when=when)
        if _is_missing(r):
            return self._result(node, Status.NOT_MET, ctx, (r,), when=when)
        return self._result(node, Status.MET if r is True else Status.NOT_MET, ctx, when=when)

    # ---- names ----
    def _root(self) -> _Env:
        return _Env({}, None, True)

    def _subject_name(self, name: str, ctx: _Ctx) -> Any:
        if name in self._std_lets:
            if name not in self._lets:
                if name in self._evaluating:  # pragma: no cover - the checker forbids cycles
                    raise _EvalFailure(f"let {name}")
                self._evaluating.add(name)
                quiet = _Ctx(self._labels, tracing=False, texts=self.texts)
                outer, self._in_let = self._in_let, name
                try:
                    self._lets[name] = self.ev(self._std_lets[name].expr, self._root(), quiet)
                finally:
                    self._in_let = outer
                self._evaluating.discard(name)
            return self._lets[name]
        if name in self._link_decls:
            if name not in self._links:
                self._links[name] = self._link(self._link_decls[name])
            return self._links[name]
        if name in self.register.contract.kinds[self.subject.kind].fields:
            ctx.ref(self.subject.ref)
            value = self.subject.get(name)
            return Missing(name, self.subject.ref) if value is None else value
        return _NOT_FOUND

    def _link(self, link: A.Link) -> Any:
        value = self.subject.get(link.by)
        recs = self.register.linked(link.kind, link.by, value)
        if link.in_period:
            date_field = self.register.contract.kinds[link.kind].date_field
            kept = []
            for r in recs:
                day = r.get(date_field)
                if day is not None and self.period.contains(day):
                    kept.append(r)
                else:
                    self._excluded.setdefault(
                        r.ref,
                        Reason.of(
                            "engine.out_of_period", field=date_field, date=day, period=self.period.label
                        ),
                    )
            recs = kept
        if link.many:
            return list(recs)
        if recs:
            return recs[0]
        return Missing(link.kind, self.subject.ref, "missing.no_link", (("kind", link.kind),))

    def _global_name(self, name: str) -> Any:
        if name in self.rs.defines:
            d = self.rs.defines[name]
            return self.ev(d.body, _Env({}, None, False), _Ctx({}, tracing=False, texts=self.texts))
        if name in self.rs.valuesets:
            return frozenset(i.value for i in self.rs.valuesets[name].items)
        if name == "period_start":
            return self.period.start
        if name == "period_end":
            return self.period.end
        if name == "period_label":
            return self.period.label
        raise _EvalFailure(name)  # pragma: no cover - checked

    # ---- expressions ----
    def ev(self, e: A.Expr, env: _Env, ctx: _Ctx) -> Any:
        match e:
            case A.Literal(value=v, kind=kind):
                return Missing("missing", code="missing.literal") if kind == "missing" else v
            case A.SetLit(items=items):
                return frozenset(i.value for i in items)
            case A.Name(name=name):
                found, value = env.find(name)
                if found:
                    return value
                if env.sees_subject:
                    value = self._subject_name(name, ctx)
                    if value is not _NOT_FOUND:
                        return value
                return self._global_name(name)
            case A.Field(target=t, name=fname):
                target = self.ev(t, env, ctx)
                if _is_missing(target):
                    return target
                if not isinstance(target, Record):  # pragma: no cover - checked
                    raise _EvalFailure(f".{fname}")
                ctx.ref(target.ref)
                value = target.get(fname)
                return Missing(fname, target.ref) if value is None else value
            case A.Call():
                return self._call(e, env, ctx)
            case A.Aggregate():
                return self._aggregate(e, env, ctx)
            case A.Unary(op="-", operand=o):
                v = self.ev(o, env, ctx)
                return v if _is_missing(v) else -v
            case A.Unary(op="not", operand=o):
                v = self.ev(o, env, ctx)
                return v if _is_missing(v) else (not v)
            case A.Binary(op="and", left=left, right=right):
                lv = self.ev(left, env, ctx)
                if lv is False:
                    return False
                rv = self.ev(right, env, ctx)
                if rv is False:
                    return False
                if _is_missing(lv):
                    return lv
                return rv
            case A.Binary(op="or", left=left, right=right):
                lv = self.ev(left, env, ctx)
                if lv is True:
                    return True
                rv = self.ev(right, env, ctx)
                if rv is True:
                    return True
                if _is_missing(lv):
                    return lv
                return rv
            case A.Binary(op=op, left=left, right=right):
                lv, rv = self.ev(left, env, ctx), self.ev(right, env, ctx)
                if _is_missing(lv):
                    return lv
                if _is_missing(rv):
                    return rv
                return _arith(op, lv, rv)
            case A.Compare(op=op, left=left, right=right):
                lv, rv = self.ev(left, env, ctx), self.ev(right, env, ctx)
                ctx.fact(Fact("compare", ctx.label(left), lv, op, rv))
                if _is_missing(lv):
                    return lv
                if _is_missing(rv):
                    return rv
                return _compare(op, lv, rv)
            case A.InSet(value=v, set=s, negated=neg):
                val, st = self.ev(v, env, ctx), self.ev(s, env, ctx)
                ctx.fact(Fact("in", ctx.label(v), val, "not in" if neg else "in", ctx.label(s)))
                if _is_missing(val):
                    return val
                return (val in st) != neg
            case A.Between(value=v, low=lo, high=hi):
                val = self.ev(v, env, ctx)
                lov, hiv = self.ev(lo, env, ctx), self.ev(hi, env, ctx)
                ctx.fact(Fact("between", ctx.label(v), val, "between", lov, hiv))
                for x in (val, lov, hiv):
                    if _is_missing(x):
                        return x
                return _compare(">=", val, lov) and _compare("<=", val, hiv)
            case A.IsMissing(value=v, negated=neg):
                val = self.ev(v, env, ctx)
                ctx.fact(Fact("present" if neg else "missing", ctx.label(v), val))
                return (not _is_missing(val)) if neg else _is_missing(val)
            case A.IfExpr(cond=c, then=t, else_=f):
                cv = self.ev(c, env, ctx)
                if _is_missing(cv):
                    return cv
                return self.ev(t if cv is True else f, env, ctx)
        raise _EvalFailure(type(e).__name__)  # pragma: no cover

    def _call(self, e: A.Call, env: _Env, ctx: _Ctx) -> Any:
        if e.func in self.rs.defines:
            d = self.rs.defines[e.func]
            args = [self.ev(a, env, ctx) for a in e.args]
            inner = _Env(dict(zip(d.params or (), args, strict=True)), None, False)
            ctx.depth += 1
            try:
                return self.ev(d.body, inner, ctx)
            finally:
                ctx.depth -= 1
        args = [self.ev(a, env, ctx) for a in e.args]
        return call_builtin(e.func, args, self.calls)

    def _aggregate(self, e: A.Aggregate, env: _Env, ctx: _Ctx) -> Any:
        src = self.ev(e.source, env, ctx)
        label = plain = ctx.label(e.source)
        if e.where is not None:
            label = f"{label} [{source_text(e.where, ctx.texts)}]"
        if e.value is not None and e.func == "all":
            label = f"{label}: {source_text(e.value, ctx.texts)}"
        if _is_missing(src):
            return src
        matching: list[Record] = []
        saved = ctx.tracing
        ctx.tracing = False
        ctx.depth += 1
        try:
            for rec in src:
                if e.where is None:
                    matching.append(rec)
                    continue
                w = self.ev(e.where, _Env({e.var: rec}, env), ctx)
                if w is True:
                    matching.append(rec)
                elif rec.ref not in self._excluded:
                    kind = self.register.contract.kinds.get(rec.kind)
                    day = rec.get(kind.date_field) if kind is not None and kind.date_field else None
                    self._excluded[rec.ref] = Reason.of(
                        "engine.filter",
                        condition=source_text(e.where, ctx.texts),
                        where=e.where,  # the filter itself, for explanations in plain words
                        collection=self._in_let or "",
                        date=day,
                        facility=rec.get("fasilitas"),
                    )
        finally:
            ctx.tracing = saved
            ctx.depth -= 1
        f = e.func
        if f in ("count", "any", "filter", "first", "last"):
            chosen = matching
            if f == "first":
                chosen = matching[:1]
            elif f == "last":
                chosen = matching[-1:]
            elif f == "filter":
                chosen = []  # a filtered collection is evidence only where it is used
            for rec in chosen:
                ctx.ref(rec.ref)
            if f == "count":
                return Decimal(len(matching))
            if f == "any":
                ctx.fact(Fact("any", label, len(matching), total=len(src), source_label=plain, where=e.where))
                return bool(matching)
            if f == "filter":
                return matching
            if not matching:
                return Missing(source_text(e, ctx.texts), code="missing.no_record")
            return matching[0] if f == "first" else matching[-1]
        values: list[tuple[Record, Any]] = []
        ctx.depth += 1
        try:
            for rec in matching:
                assert e.value is not None
                values.append((rec, self.ev(e.value, _Env({e.var: rec}, env), ctx)))
        finally:
            ctx.depth -= 1
        if f == "all":
            if not matching:
                ctx.fact(
                    Fact("all", label, None, total=0, source_label=plain, where=e.where, condition=e.value)
                )
                return Missing(label, code="missing.no_record")
            failing = tuple(r.ref for r, v in values if v is not True)
            ctx.fact(
                Fact(
                    "all",
                    label,
                    len(values) - len(failing),
                    total=len(values),
                    failing=failing,
                    source_label=plain,
                    where=e.where,
                    condition=e.value,
                )
            )
            if any(v is False for _r, v in values):
                return False
            miss = next((v for _r, v in values if _is_missing(v)), None)
            return miss if miss is not None else True
        present = [v for _r, v in values if not _is_missing(v)]
        if f == "count_distinct":
            return Decimal(len(set(present)))
        if f == "sum":
            if values and not present:
                first_missing = values[0][1]
                return first_missing
            return sum(present, Decimal(0))
        if not present:
            return Missing(source_text(e, ctx.texts), code="missing.no_value")
        return min(present) if f == "min" else max(present)


def _when_text(value: Any) -> str:
    if _is_missing(value):
        return "missing"
    return "true" if value is True else "false"


class _EvalFailure(Exception):
    def __init__(self, what: str):
        super().__init__(what)
        self.what = what


def _arith(op: str, a: Any, b: Any) -> Any:
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if b == 0:
            return Missing(f"{a} / 0", code="missing.division_by_zero")
        return a / b
    except (TypeError, InvalidOperation, DivisionByZero):
        return Missing(f"{a} {op} {b}", code="missing.not_computable")


def _compare(op: str, a: Any, b: Any) -> Any:
    try:
        match op:
            case "==":
                return a == b
            case "!=":
                return a != b
            case ">=":
                return a >= b
            case "<=":
                return a <= b
            case ">":
                return a > b
            case "<":
                return a < b
    except TypeError:
        return Missing(f"{a} {op} {b}", code="missing.not_comparable")
    raise _EvalFailure(op)  # pragma: no cover


def call_builtin(name: str, args: list[Any], calls: CallContext) -> Any:
    """A built-in function of the catalogue applied to evaluated arguments."""
    if BUILTINS[name].on_missing == OnMissing.PROPAGATE:
        for a in args:
            if _is_missing(a):
                return a
    return IMPLEMENTATIONS[name](args, calls)


# ---- whole standards -----------------------------------------------------------------------


def subjects_of(std: A.Standard, register: Register) -> Iterator[Record]:
    yield from register.of_kind(std.subject_kind or "")


def evaluate(
    rs: RuleSet,
    std: A.Standard,
    register: Register,
    period: Period,
    subjects: Iterable[Record] | None = None,
) -> list[Verdict]:
    """Verdicts for every subject of the standard's subject kind (or the ones given)."""
    recs = subjects if subjects is not None else subjects_of(std, register)
    texts: dict[int, str] = {}
    return [SubjectEvaluator(rs, std, register, period, rec, texts=texts).verdict() for rec in recs]


def find_subjects(std: A.Standard, register: Register, key: str) -> list[Record]:
    """Every subject record with this key (a pupil has one enrolment row per school year)."""
    kind = register.contract.kinds.get(std.subject_kind or "")
    if kind is None or kind.key is None:
        return []
    return [rec for rec in register.of_kind(kind.name) if str(rec.get(kind.key)) == key]


def find_subject(std: A.Standard, register: Register, key: str) -> Record | None:
    found = find_subjects(std, register, key)
    return found[0] if found else None


def value_of(
    rs: RuleSet,
    std: A.Standard,
    register: Register,
    period: Period,
    expr: A.Expr,
    subject: Record | None = None,
    calls: CallContext | None = None,
) -> Any:
    """The value of one expression, with the meaning it has in a rule: for a subject (its
    fields, lets and linked records are in scope) or for none (a denominator)."""
    evaluator = SubjectEvaluator(rs, std, register, period, subject, calls=calls)  # type: ignore[arg-type]
    return evaluator.ev(expr, _Env({}, None, subject is not None), _Ctx({}, tracing=False))
