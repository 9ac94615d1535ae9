"""Immutable, typed AST of the rule language.

Every node carries the `Span` it was parsed from. The nodes say *what* a rule means, with no
Python-only semantics: aggregates, three-valued logic and date functions are all things a SQL
compiler can translate, so the interpreter in `spm_rules.engine` is one backend among several.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from .errors import Span

# ---- expressions ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    """A constant: number (Decimal), text, date, boolean or the `missing` value (None)."""

    value: Decimal | str | dt.date | bool | None
    kind: str  # "number" | "string" | "date" | "bool" | "missing"
    span: Span
    raw: str | None = field(default=None, compare=False)  # the author's spelling: "25.61%"


@dataclass(frozen=True, slots=True)
class SetLit:
    items: tuple[Literal, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Field:
    target: Expr
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Aggregate:
    """`func(var in source where filter : value)` over a collection of records."""

    func: str  # count, count_distinct, sum, min, max, any, all, first, last, filter
    var: str
    source: Expr
    where: Expr | None
    value: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class Unary:
    op: str  # "-" | "not"
    operand: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Binary:
    op: str  # "+", "-", "*", "/", "and", "or"
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # "==", "!=", ">=", "<=", ">", "<"
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class InSet:
    value: Expr
    set: Expr
    negated: bool
    span: Span


@dataclass(frozen=True, slots=True)
class Between:
    value: Expr
    low: Expr
    high: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class IsMissing:
    value: Expr
    negated: bool  # True for `is not missing`
    span: Span


@dataclass(frozen=True, slots=True)
class IfExpr:
    cond: Expr
    then: Expr
    else_: Expr
    span: Span


Expr = (
    Literal
    | SetLit
    | Name
    | Field
    | Call
    | Aggregate
    | Unary
    | Binary
    | Compare
    | InSet
    | Between
    | IsMissing
    | IfExpr
)

# ---- declarations --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Citation:
    """A place in a source document: `cite juknis "1.b.1" lines 240-241`."""

    source: str
    section: str | None
    line_from: int
    line_to: int
    span: Span


@dataclass(frozen=True, slots=True)
class Note:
    """A free-text interpretation note, optionally resting on a line of a source."""

    text: str
    see: Citation | None
    span: Span


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    title: str
    file: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class ValueSet:
    name: str
    label: str | None
    items: tuple[Literal, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Define:
    """A named expression shared by a rule set; with params it is a pure function (a macro)."""

    name: str
    params: tuple[str, ...] | None
    body: Expr
    span: Span
    label: str | None = None  # a `param`'s label
    is_param: bool = False  # declared with `param`: a literal the sources leave open


@dataclass(frozen=True, slots=True)
class Let:
    name: str
    label: str | None
    expr: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Link:
    """`records NAME = KIND by FIELD [in period]` or `record NAME = KIND by FIELD`."""

    name: str
    kind: str
    by: str
    many: bool
    in_period: bool
    span: Span


@dataclass(frozen=True, slots=True)
class DenomAlt:
    """One way to get a denominator: `counted` (expr is None) or an expression over sasaran."""

    expr: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    label: str
    label_en: str | None
    short: str | None
    short_en: str | None
    unit: str | None
    unit_en: str | None
    citations: tuple[Citation, ...]
    notes: tuple[Note, ...]
    lets: tuple[Let, ...]
    when: Expr | None
    require: Expr | None
    informative: bool
    span: Span
    duplicates: tuple[tuple[str, Span], ...] = ()
    body: tuple[Statement, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    label: str
    label_en: str | None
    citations: tuple[Citation, ...]
    notes: tuple[Note, ...]
    when: Expr | None
    children: tuple[Criterion | Group, ...]
    span: Span
    duplicates: tuple[tuple[str, Span], ...] = ()
    body: tuple[Statement, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class Header:
    """What a standard or a rule set says about itself."""

    title: str | None = None
    title_en: str | None = None
    regulation: str | None = None
    version: str | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    status: str | None = None  # rule sets: "final" (the default) or "provisional"
    uses: tuple[tuple[str, Span], ...] = ()  # rule sets: shared folders or files, as written
    citations: tuple[Citation, ...] = ()
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class Standard:
    id: str
    header: Header
    target: Decimal | None
    subject_kind: str | None
    subject_label: str | None
    links: tuple[Link, ...]
    period_kind: str | None
    period_on: Expr | None
    population: Expr | None
    attribute: Expr | None
    denominator: tuple[DenomAlt, ...]
    lets: tuple[Let, ...]
    criteria: tuple[Criterion | Group, ...]
    span: Span
    file: str = ""
    # statements that may appear once but were written more often: (keyword, span)
    duplicates: tuple[tuple[str, Span], ...] = ()
    # spans of the singleton statements, for diagnostics that point at them
    spans: dict[str, Span] = field(default_factory=dict, compare=False, hash=False)
    body: tuple[Statement, ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class RuleSetDecl:
    name: str
    header: Header
    span: Span
    file: str = ""
    duplicates: tuple[tuple[str, Span], ...] = ()
    body: tuple[Statement, ...] = field(default=(), compare=False)


Item = RuleSetDecl | Source | ValueSet | Define | Standard


@dataclass(frozen=True, slots=True)
class Comment:
    """A `# ...` comment: kept so that the formatter can put it back, and for lint silencing."""

    line: int
    col: int
    text: str  # including the leading '#'
    own_line: bool  # nothing but white space before it on its line


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of a block in source order: (keyword, parsed value, span)."""

    keyword: str
    value: object
    span: Span


@dataclass(frozen=True, slots=True)
class RuleFile:
    path: str
    items: tuple[Item, ...]
    source_text: str = field(default="", compare=False, repr=False)
    comments: tuple[Comment, ...] = field(default=(), compare=False)
    item_spans: tuple[Span, ...] = field(default=(), compare=False)  # whole extent of each item


def iter_criteria(nodes: tuple[Criterion | Group, ...]):
    """Every criterion of a tree of groups, depth first, in source order."""
    for node in nodes:
        if isinstance(node, Group):
            yield from iter_criteria(node.children)
        else:
            yield node


def iter_nodes(nodes: tuple[Criterion | Group, ...]):
    """Every criterion and group of a tree, depth first, in source order."""
    for node in nodes:
        yield node
        if isinstance(node, Group):
            yield from iter_nodes(node.children)


def children_of(expr: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of an expression (for walkers)."""
    match expr:
        case Field(target=t):
            return (t,)
        case Call(args=a):
            return a
        case Aggregate(source=s, where=w, value=v):
            return tuple(x for x in (s, w, v) if x is not None)
        case Unary(operand=o):
            return (o,)
        case Binary(left=left, right=right) | Compare(left=left, right=right):
            return (left, right)
        case InSet(value=v, set=s):
            return (v, s)
        case Between(value=v, low=lo, high=hi):
            return (v, lo, hi)
        case IsMissing(value=v):
            return (v,)
        case IfExpr(cond=c, then=t, else_=e):
            return (c, t, e)
        case SetLit(items=items):
            return items
    return ()


def meaning(node: object) -> object:
    """A node as nested tuples without positions: two files mean the same iff these are equal."""
    if isinstance(node, Span):
        return "·"  # a position, wherever it sits (a duplicate statement's, too), is not meaning
    if isinstance(node, tuple | list):
        return tuple(meaning(n) for n in node)
    if isinstance(node, dict):
        return tuple(sorted((k, meaning(v)) for k, v in node.items()))
    fields = getattr(node, "__dataclass_fields__", None)
    if fields is None:
        return node
    parts = [
        (name, meaning(getattr(node, name)))
        for name, f in fields.items()
        if f.compare and name not in ("span", "file")
    ]
    return (type(node).__name__, *parts)
