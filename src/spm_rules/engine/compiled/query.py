"""One standard, one query: scope (period, population) for every subject, then facility and
criterion codes for the subjects in the population.

The result has one row per subject record, in the register's order (`ORDER BY sc._rid`, left
out for a table whose every read orders its rows by `_rid` itself):
`_rid, _pdate (the period date), _pop (population: TRUE/FALSE/NULL), _fac, _codes`.
`_codes` concatenates one code per node of `A.iter_nodes(std.criteria)`: a group gives its
`when` (one character), a criterion its `when` and its `require` (two); `- T F U` mean none,
true, false, missing. `verdicts.py` reads them back into verdict trees. The query computes
them as numbers, two bits per code in BIGINT words (`_w0`, …), and makes the string once per
distinct combination (`_cs`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from sqlglot import exp

from ...lang import ast as A
from ...lang.checker import RuleSet
from ..period import Period
from .compiler import SUBJECT, Env, ExprCompiler, Group, Ranked, let_column, table_name
from .errors import NotCompilable
from .functions import date_lit, num, paren


@dataclass(frozen=True)
class CompiledStandard:
    """The query of one standard and the columns it reads of each record kind."""

    standard: A.Standard
    period: Period
    query: exp.Expression
    columns: dict[str, tuple[str, ...]]

    def sql(self, dialect: str = "duckdb", pretty: bool = False, ordered: bool = True) -> str:
        """The query's text; `ordered=False` leaves out its last clause, `ORDER BY sc._rid`,
        for a table whose readers order its rows themselves (`verdicts.run`: sorting a city's
        2,9 million rows once more took a quarter of a second per standard)."""
        query = self.query.order_by(exp.column("_rid", table="sc")) if ordered else self.query
        return query.sql(dialect=dialect, pretty=pretty)


# a node's code as a number: none, false, true, missing (`_CODE_CHARS[n]` is its character)
_NONE, _TRUE = 0, 2
_CODE_CHARS = "-FTU"
_CODES_PER_WORD = 31  # two bits each in a BIGINT


def _code(value: exp.Expression) -> exp.Expression:
    """1, 2 or 3 for a boolean false, true or NULL (missing), evaluating it once: a CASE
    testing IS NULL and then the value would put every sub-query of a criterion into the
    plan twice."""
    as_int = exp.cast(paren(value), exp.DataType.Type.INT)
    return exp.Coalesce(
        this=exp.Add(this=as_int, expression=exp.Literal.number(1)), expressions=[exp.Literal.number(3)]
    )


def _node_codes(c: ExprCompiler, node: A.Criterion | A.Group) -> list[exp.Expression | int]:
    """The node's codes: a group its `when`, a criterion its `when` and its `require` (a
    constant where there is no such condition)."""
    if isinstance(node, A.Group):
        return [_code(c.sql(node.when, c.root())) if node.when is not None else _NONE]
    env = Env({}, None, True)
    for let in node.lets:
        env.vars[let.name] = c.bound(let.expr, env)
    when = _code(c.sql(node.when, env)) if node.when is not None else _NONE
    require = _code(c.sql(node.require, env)) if node.require is not None else _TRUE
    return [when, require]


def _words(codes: list[exp.Expression | int]) -> list[exp.Expression]:
    """The codes two bits each in BIGINT words, 31 to a word: numbers are made and compared
    far faster than strings (the code strings of 1,7 million subjects took 1,5 s to build)."""
    out = []
    for start in range(0, len(codes), _CODES_PER_WORD):
        constant, parts = 0, []
        for j, code in enumerate(codes[start : start + _CODES_PER_WORD]):
            if isinstance(code, int):
                constant |= code << 2 * j
                continue
            part: exp.Expression = exp.cast(code, exp.DataType.Type.BIGINT)
            if j:
                part = exp.BitwiseLeftShift(this=part, expression=exp.Literal.number(2 * j))
            parts.append(paren(part))
        word = parts[0] if parts else exp.Literal.number(constant)
        if parts and constant:
            word = exp.BitwiseOr(this=word, expression=exp.Literal.number(constant))
        for part in parts[1:]:
            word = exp.BitwiseOr(this=word, expression=part)
        out.append(word)
    return out


def _code_string(count: int) -> exp.Expression:
    """The code string of words `_w0`, `_w1`, …: one character of `_CODE_CHARS` per code."""
    chars: list[exp.Expression] = []
    for k in range(count):
        word = exp.column(f"_w{k // _CODES_PER_WORD}")
        shifted = exp.BitwiseRightShift(this=word, expression=exp.Literal.number(2 * (k % _CODES_PER_WORD)))
        bits = exp.BitwiseAnd(this=paren(shifted), expression=exp.Literal.number(3))
        at = exp.Add(this=exp.cast(paren(bits), exp.DataType.Type.INT), expression=exp.Literal.number(1))
        one = exp.Literal.number(1)
        chars.append(exp.Substring(this=exp.Literal.string(_CODE_CHARS), start=at, length=one))
    joined = chars[0]
    for char in chars[1:]:
        joined = exp.DPipe(this=joined, expression=char)
    return joined


_BITS_PER_MASK = 63  # the bits of a BIGINT below its sign


def _group_ctes(c: ExprCompiler, portable: bool) -> list[tuple[str, exp.Select]]:
    """One GROUP BY per linked collection holding its grouped aggregates (compiler.Group).
    Its `any`s are bits of a few BIT_OR masks, each column a bit of one, read outside the
    grouping: one aggregate instead of one filtered count each (usia produktif's ten `any`s
    over 1,69 million screenings grouped in 0,45 s instead of 0,86 s). `portable`: a count
    each (`COUNT(*) FILTER (WHERE …) > 0`), as any dialect has."""
    out = []
    for g in c.groups.values():
        key = exp.column(g.by, table=g.alias)
        aggs = list(g.aggs)
        reads: list[exp.Expression] = []  # each `any` read from its mask, outside the grouping
        for start in range(0, len(g.anys), _BITS_PER_MASK):
            chunk = g.anys[start : start + _BITS_PER_MASK]
            if portable:
                aggs += [exp.alias_(_any_count(cond), name) for name, cond in chunk]
                continue
            mask = f"{g.name}_m{start // _BITS_PER_MASK}"
            bits = [
                exp.Case(
                    ifs=[exp.If(this=paren(cond) if cond is not None else exp.true(), true=num(1 << k))]
                ).else_(num(0))
                for k, (_name, cond) in enumerate(chunk)
            ]
            joined = bits[0]
            for bit in bits[1:]:
                joined = exp.BitwiseOr(this=joined, expression=bit)
            aggs.append(exp.alias_(exp.Anonymous(this="BIT_OR", expressions=[joined]), mask))
            for k, (name, _cond) in enumerate(chunk):
                test = exp.BitwiseAnd(this=exp.column(mask), expression=num(1 << k))
                reads.append(exp.alias_(exp.NEQ(this=paren(test), expression=num(0)), name))
        q = exp.select(key, *aggs).from_(exp.to_table(table_name(g.kind)).as_(g.alias))
        if g.in_period:
            q = q.where(c.in_period(g.kind, g.alias))
        q = q.group_by(key.copy())
        if reads:  # the columns of the grouping, the masks read as their bits
            kept = [exp.column(g.by), *(exp.column(a.alias) for a in g.aggs)]
            q = exp.select(*kept, *reads).from_(q.subquery("_m"))
        out.append((g.name, q))
    return out


def _any_count(cond: exp.Expression | None) -> exp.Expression:
    """`any` as a count of the records meeting its condition, above zero."""
    count: exp.Expression = exp.Count(this=exp.Star())
    if cond is not None:
        count = exp.Filter(this=count, expression=exp.Where(this=cond.copy()))
    return exp.GT(this=count, expression=num(0))


def _fold_ranked(c: ExprCompiler) -> set[str]:
    """Each first/last record (compiler.Ranked) made columns of its collection's group (one
    made for it where the standard has none): the fields of the record with the lowest
    (highest) `_rid` among the group's records, its filters as a FILTER clause — the
    interpreter's order, NULL fields kept (`ARG_MIN_NULL`), no record no row. One pass over
    the records instead of a ranking of them joined to the group's pass (usia produktif's
    query about 0,2 s faster at city scale). The names of the rankings folded."""
    folded = set()
    for r in c.ranked.values():
        key = (r.kind, r.by, r.in_period)
        g = c.groups.get(key) or Group(f"_g{len(c.groups) + 1}", f"g{len(c.groups) + 1}", *key)
        c.groups[key] = g
        conds = [cond.transform(partial(_realiased, g.alias)) for cond in r.conds]
        pick = "ARG_MAX_NULL" if r.last else "ARG_MIN_NULL"
        for f in r.fields:
            agg: exp.Expression = exp.Anonymous(
                this=pick, expressions=[exp.column(f, table=g.alias), exp.column("_rid", table=g.alias)]
            )
            if conds:
                agg = exp.Filter(this=agg, expression=exp.Where(this=exp.and_(*(x.copy() for x in conds))))
            g.aggs.append(exp.alias_(agg, f"{r.name}_{f}"))
        folded.add(r.name)
    return folded


def _realiased(alias: str, node: exp.Expression) -> exp.Expression:
    """A column of the ranked record (`Ranked.ALIAS`) as the same column of a group's."""
    if isinstance(node, exp.Column) and node.table == Ranked.ALIAS:
        return exp.column(node.name, table=alias)
    return node


def _ranked_ctes(c: ExprCompiler, folded: set[str]) -> list[tuple[str, exp.Select]]:
    """One ranking per first/last record (compiler.Ranked) not `folded` into its group: the
    fields of the record with the lowest (highest) `_rid` of each subject's collection — the
    interpreter's order. Printed for a dialect other than DuckDB's (`portable`), which has no
    `ARG_MIN_NULL`."""
    out = []
    for r in c.ranked.values():
        if r.name in folded:
            continue
        a = Ranked.ALIAS
        order = exp.Ordered(this=exp.column("_rid", table=a), desc=r.last)
        number = exp.Window(
            this=exp.RowNumber(),
            partition_by=[exp.column(r.by, table=a)],
            order=exp.Order(expressions=[order]),
        )
        cols = [exp.alias_(exp.column(f, table=a), f"{r.name}_{f}") for f in r.fields]
        inner = exp.select(exp.column(r.by, table=a), *cols, exp.alias_(number, "_n")).from_(
            exp.to_table(table_name(r.kind)).as_(a)
        )
        conds = list(r.conds)
        if r.in_period:
            conds.append(c.in_period(r.kind, a))
        if conds:
            inner = inner.where(exp.and_(*conds))
        outer = exp.select(r.by, *(f"{r.name}_{f}" for f in r.fields)).from_(inner.subquery("_r"))
        out.append((r.name, outer.where(exp.EQ(this=exp.column("_n"), expression=exp.Literal.number(1)))))
    return out


def _base(c: ExprCompiler, source: str, folded: set[str]) -> exp.Select:
    """The subject's records with the columns of every group and ranking joined (NULL when
    the subject has no such record); a ranking `folded` into its group is among its columns."""
    ranked = [r for r in c.ranked.values() if r.name not in folded]
    cols = [exp.column(name, table=g.name) for g in c.groups.values() for name in g.columns()]
    cols += [exp.column(f"{r.name}_{f}", table=r.name) for r in ranked for f in r.fields]
    q = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier(SUBJECT)), *cols).from_(
        exp.to_table(source).as_(SUBJECT)
    )
    joined = [(g.name, g.by) for g in c.groups.values()] + [(r.name, r.by) for r in ranked]
    for name, by in joined:
        on = exp.EQ(this=exp.column(by, table=name), expression=exp.column(by, table=SUBJECT))
        q = q.join(name, on=on, join_type="left")
    return q


def compile_standard(
    rs: RuleSet, std: A.Standard, period: Period, portable: bool = False
) -> CompiledStandard:
    """The query of a checked standard for a period; `NotCompilable` names what stops it.
    `portable`: first/last records ranked by ROW_NUMBER, for a dialect other than DuckDB's
    (DuckDB runs them as columns of their collection's group, `_fold_ranked`)."""
    if not std.subject_kind:
        raise NotCompilable("standard without subject", std.id)
    c = ExprCompiler(rs, std, period)
    root = c.root()
    pdate = c.sql(std.period_on, root) if std.period_on is not None else exp.Null()
    pop = c.sql(std.population, root) if std.population is not None else exp.false()
    if std.period_on is not None:
        in_period: exp.Expression = exp.Between(
            this=exp.column("_pdate"), low=date_lit(period.start), high=date_lit(period.end)
        )
    else:
        in_period = exp.true()
    fac = c.sql(std.attribute, root) if std.attribute is not None else exp.Null()
    codes = [code for node in A.iter_nodes(std.criteria) for code in _node_codes(c, node)]
    words = _words(codes)
    word_names = [f"_w{i}" for i in range(len(words))]
    star = exp.Column(this=exp.Star(), table=exp.to_identifier(SUBJECT))
    layers: list[tuple[str, exp.Select]] = []
    source = table_name(std.subject_kind)
    folded = set() if portable else _fold_ranked(c)
    groups = _group_ctes(c, portable) + _ranked_ctes(c, folded)
    if groups:
        layers.append(("_base", _base(c, source, folded)))
        source = "_base"
    for n in range(1, max(c.let_layer.values(), default=0) + 1):
        names = sorted(name for name, layer in c.let_layer.items() if layer == n)
        cols = [exp.alias_(c.let_sql[name], let_column(name)) for name in names]
        layers.append((f"l{n}", exp.select(star.copy(), *cols).from_(exp.to_table(source).as_(SUBJECT))))
        source = f"l{n}"
    scope = exp.select(
        star.copy(),
        exp.alias_(pdate, "_pdate"),
        exp.alias_(pop, "_pop"),
    ).from_(exp.to_table(source).as_(SUBJECT))
    in_pop = exp.select("*").from_("sc").where(exp.and_(paren(in_period), exp.column("_pop")))
    crit = exp.select(
        exp.column("_rid", table=SUBJECT),
        exp.alias_(exp.cast(fac, exp.DataType.Type.VARCHAR), "_fac"),
        *(exp.alias_(word, name) for word, name in zip(words, word_names, strict=True)),
    ).from_(exp.to_table("inpop").as_(SUBJECT))
    # each distinct combination of codes made a string once, and joined to its subjects
    distinct = exp.select(*word_names).from_("crit").distinct()
    strings = exp.select(*word_names, exp.alias_(_code_string(len(codes)), "_codes")).from_(
        distinct.subquery("_d")
    )
    same_words = exp.and_(
        *(exp.EQ(this=exp.column(w, table="crit"), expression=exp.column(w, table="_cs")) for w in word_names)
    )
    query = (
        exp.select(
            exp.column("_rid", table="sc"),
            exp.column("_pdate", table="sc"),
            exp.column("_pop", table="sc"),
            exp.column("_fac", table="crit"),
            exp.column("_codes", table="_cs"),
        )
        .from_("sc")
        .join(
            "crit",
            on=exp.EQ(this=exp.column("_rid", table="sc"), expression=exp.column("_rid", table="crit")),
            join_type="left",
        )
        .join("_cs", on=same_words, join_type="left")
    )  # in the register's order when printed (`CompiledStandard.sql`)
    for name, layer in [*groups, *layers]:
        query = query.with_(name, as_=layer, copy=False)  # (a copy of the whole query per CTE)
    for name, layer in (("sc", scope), ("inpop", in_pop), ("crit", crit), ("_cs", strings)):
        query = query.with_(name, as_=layer, copy=False)
    columns = {kind: tuple(sorted(cols)) for kind, cols in c.columns.items()}
    return CompiledStandard(std, period, query, columns)


def printable(compiled: CompiledStandard, dialect: str) -> str:
    """The query as text for `spm-rules sql`, formatted."""
    return compiled.sql(dialect, pretty=True)
