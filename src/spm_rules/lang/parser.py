"""Parse rule text into the AST; turn Lark's exceptions into plain-word diagnostics.

The Lark parser is built once, lazily, from the grammar shipped with the package. Nothing of
Lark (trees, tokens, exceptions) leaves this module.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import lark
from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..limits import DEFAULT_LIMITS, Limits
from ..resources import cache_root, grammar_text
from . import ast as A
from .errors import Diagnostic, RuleError, Severity, Span


def _tables_file() -> str | bool:
    """Where Lark keeps the parser tables it computed (three to eight times faster to start,
    which `explain` at city scale feels): in this user's cache, never the shared temp folder
    (the file is unpickled). Lark checks the grammar's hash in it; False when the folder cannot
    be made, and the tables are computed as before."""
    try:
        folder = cache_root()
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return str(folder / "grammar.lark-cache")


@cache
def _lark() -> Lark:
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        strict=True,
        cache=_tables_file(),
    )


def _tspan(tok: Token) -> Span:
    return Span(tok.line or 1, tok.column or 1, tok.end_line or 1, tok.end_column or 1)


def _mspan(meta: Any) -> Span:
    if getattr(meta, "empty", True):
        return Span(1, 1, 1, 1)
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


def _unquote(tok: Token) -> str:
    body = str(tok)[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class _BadLiteral(Exception):
    def __init__(self, message: str, message_en: str, span: Span):
        self.message, self.message_en, self.span = message, message_en, span


def _date(tok: Token) -> dt.date:
    try:
        return dt.date.fromisoformat(str(tok))
    except ValueError:
        raise _BadLiteral(f"tanggal tidak ada: {tok}", f"no such date: {tok}", _tspan(tok)) from None


def _number(tok: Token) -> Decimal:
    try:
        return Decimal(str(tok).rstrip("%"))
    except InvalidOperation:  # pragma: no cover - the lexer only admits digits
        raise _BadLiteral(f"angka tidak sah: {tok}", f"not a number: {tok}", _tspan(tok)) from None


@v_args(meta=True)
class _ToAst(Transformer):
    """Parse tree -> AST. Statements inside blocks become ("keyword", value, span) tuples."""

    def __init__(self) -> None:
        super().__init__()
        self.item_spans: list[Span] = []

    # ---- expressions ----
    def number(self, meta, c):
        return A.Literal(_number(c[0]), "number", _tspan(c[0]), raw=str(c[0]))

    def neg_number(self, meta, c):
        return A.Literal(-_number(c[0]), "number", _mspan(meta), raw=f"-{c[0]}")

    def percent(self, meta, c):
        return A.Literal(_number(c[0]) / 100, "number", _tspan(c[0]), raw=str(c[0]))

    def string(self, meta, c):
        return A.Literal(_unquote(c[0]), "string", _tspan(c[0]))

    def date(self, meta, c):
        return A.Literal(_date(c[0]), "date", _tspan(c[0]))

    def true(self, meta, c):
        return A.Literal(True, "bool", _mspan(meta))

    def false(self, meta, c):
        return A.Literal(False, "bool", _mspan(meta))

    def missing(self, meta, c):
        return A.Literal(None, "missing", _mspan(meta))

    def name(self, meta, c):
        return A.Name(str(c[0]), _tspan(c[0]))

    def call(self, meta, c):
        args = tuple(x for x in c[1:] if x is not None)
        return A.Call(str(c[0]), args, _mspan(meta))

    def aggregate(self, meta, c):
        func, var, source, where, value = c
        return A.Aggregate(str(func), str(var), source, where, value, _mspan(meta))

    def set_lit(self, meta, c):
        return A.SetLit(tuple(x for x in c if x is not None), _mspan(meta))

    def field(self, meta, c):
        return A.Field(c[0], str(c[1]), _mspan(meta))

    def neg(self, meta, c):
        return A.Unary("-", c[0], _mspan(meta))

    def not_(self, meta, c):
        return A.Unary("not", c[0], _mspan(meta))

    def binop(self, meta, c):
        return A.Binary(str(c[1]), c[0], c[2], _mspan(meta))

    def and_(self, meta, c):
        return A.Binary("and", c[0], c[1], _mspan(meta))

    def or_(self, meta, c):
        return A.Binary("or", c[0], c[1], _mspan(meta))

    def compare(self, meta, c):
        return A.Compare(str(c[1]), c[0], c[2], _mspan(meta))

    def in_(self, meta, c):
        return A.InSet(c[0], c[1], False, _mspan(meta))

    def not_in(self, meta, c):
        return A.InSet(c[0], c[1], True, _mspan(meta))

    def between(self, meta, c):
        return A.Between(c[0], c[1], c[2], _mspan(meta))

    def is_missing(self, meta, c):
        return A.IsMissing(c[0], False, _mspan(meta))

    def is_present(self, meta, c):
        return A.IsMissing(c[0], True, _mspan(meta))

    def if_expr(self, meta, c):
        return A.IfExpr(c[0], c[1], c[2], _mspan(meta))

    # ---- statements ----
    def line_one(self, meta, c):
        return (int(c[0]), int(c[0]))

    def line_span(self, meta, c):
        return (int(c[0]), int(c[1]))

    def cite(self, meta, c):
        src, section, (lo, hi) = c
        cit = A.Citation(str(src), _unquote(section) if section else None, lo, hi, _mspan(meta))
        return ("cite", cit, _mspan(meta))

    def note(self, meta, c):
        text, src, section, lines = c
        see = None
        if src is not None:
            see = A.Citation(
                str(src),
                _unquote(section) if section else None,
                lines[0],
                lines[1],
                _tspan(src),
            )
        return ("note", A.Note(_unquote(text), see, _mspan(meta)), _mspan(meta))

    def title(self, meta, c):
        return ("title", (_unquote(c[0]), _unquote(c[1]) if c[1] else None), _mspan(meta))

    def regulation(self, meta, c):
        return ("regulation", (_unquote(c[0]), _unquote(c[1]) if c[1] else None), _mspan(meta))

    def effective(self, meta, c):
        return ("effective", (_date(c[0]), _date(c[1]) if c[1] else None), _mspan(meta))

    def status(self, meta, c):
        return ("status", (str(c[0]), _tspan(c[0])), _mspan(meta))

    def uses(self, meta, c):
        return ("uses", (_unquote(c[0]), _tspan(c[0])), _mspan(meta))

    def target(self, meta, c):
        return ("target", _number(c[0]) / 100, _mspan(meta))

    def subject(self, meta, c):
        return ("subject", (str(c[0]), _unquote(c[1]) if c[1] else None), _mspan(meta))

    def link_many(self, meta, c):
        link = A.Link(str(c[0]), str(c[1]), str(c[2]), True, c[3] is not None, _mspan(meta))
        return ("link", link, _mspan(meta))

    def link_one(self, meta, c):
        link = A.Link(str(c[0]), str(c[1]), str(c[2]), False, False, _mspan(meta))
        return ("link", link, _mspan(meta))

    def period(self, meta, c):
        return ("period", (str(c[0]), c[1]), _mspan(meta))

    def population(self, meta, c):
        return ("population", c[0], _mspan(meta))

    def attribute(self, meta, c):
        return ("attribute", c[0], _mspan(meta))

    def denom_counted(self, meta, c):
        return A.DenomAlt(None, _mspan(meta))

    def denom_expr(self, meta, c):
        return A.DenomAlt(c[0], _mspan(meta))

    def denominator(self, meta, c):
        return ("denominator", tuple(c), _mspan(meta))

    def let(self, meta, c):
        name, label, expr = c
        let = A.Let(str(name), _unquote(label) if label else None, expr, _mspan(meta))
        return ("let", let, _mspan(meta))

    def short(self, meta, c):
        return ("short", (_unquote(c[0]), _unquote(c[1]) if c[1] else None), _mspan(meta))

    def unit(self, meta, c):
        return ("unit", (_unquote(c[0]), _unquote(c[1]) if c[1] else None), _mspan(meta))

    def when(self, meta, c):
        return ("when", c[0], _mspan(meta))

    def require(self, meta, c):
        return ("require", c[0], _mspan(meta))

    def informative(self, meta, c):
        return ("informative", True, _mspan(meta))

    def criterion(self, meta, c):
        cid, label, label_en, *items = c
        one, many, dups = _collect(items, {"short", "unit", "when", "require", "informative"})
        short = one.get("short", (None, None))
        unit = one.get("unit", (None, None))
        node = A.Criterion(
            id=str(cid),
            label=_unquote(label),
            label_en=_unquote(label_en) if label_en else None,
            short=short[0],
            short_en=short[1],
            unit=unit[0],
            unit_en=unit[1],
            citations=tuple(many.get("cite", ())),
            notes=tuple(many.get("note", ())),
            lets=tuple(many.get("let", ())),
            when=one.get("when"),
            require=one.get("require"),
            informative=bool(one.get("informative", False)),
            span=_tspan(cid),
            duplicates=tuple(dups),
            body=_body(items),
        )
        return ("criterion", node, _mspan(meta))

    def group(self, meta, c):
        gid, label, label_en, *items = c
        one, many, dups = _collect(items, {"when"})
        children = tuple(v for (k, v, _s) in items if k in ("criterion", "group"))
        node = A.Group(
            id=str(gid),
            label=_unquote(label),
            label_en=_unquote(label_en) if label_en else None,
            citations=tuple(many.get("cite", ())),
            notes=tuple(many.get("note", ())),
            when=one.get("when"),
            children=children,
            span=_tspan(gid),
            duplicates=tuple(dups),
            body=_body(items),
        )
        return ("group", node, _mspan(meta))

    # ---- top level ----
    def ruleset(self, meta, c):
        self.item_spans.append(_mspan(meta))
        name, *items = c
        one, many, dups = _collect(items, {"title", "regulation", "effective", "status"})
        return A.RuleSetDecl(
            str(name), _header(one, many), _tspan(name), duplicates=tuple(dups), body=_body(items)
        )

    def source(self, meta, c):
        self.item_spans.append(_mspan(meta))
        name, title, file = c
        return A.Source(str(name), _unquote(title), _unquote(file) if file else None, _tspan(name))

    def valueset(self, meta, c):
        self.item_spans.append(_mspan(meta))
        name, label, items = c
        return A.ValueSet(str(name), _unquote(label) if label else None, items.items, _tspan(name))

    def params(self, meta, c):
        return tuple(str(x) for x in c if x is not None)

    def define(self, meta, c):
        self.item_spans.append(_mspan(meta))
        name, params, body = c
        return A.Define(str(name), params, body, _tspan(name))

    def param(self, meta, c):
        self.item_spans.append(_mspan(meta))
        name, label, body = c
        return A.Define(
            str(name), None, body, _tspan(name), _unquote(label) if label else None, is_param=True
        )

    def standard(self, meta, c):
        self.item_spans.append(_mspan(meta))
        sid, *items = c
        singles = {
            "title",
            "regulation",
            "effective",
            "target",
            "subject",
            "period",
            "population",
            "attribute",
            "denominator",
        }
        one, many, dups = _collect(items, singles)
        spans = {k: s for (k, _v, s) in items if k in singles}
        subject = one.get("subject", (None, None))
        period = one.get("period", (None, None))
        return A.Standard(
            id=str(sid),
            header=_header(one, many),
            target=one.get("target"),
            subject_kind=subject[0],
            subject_label=subject[1],
            links=tuple(many.get("link", ())),
            period_kind=period[0],
            period_on=period[1],
            population=one.get("population"),
            attribute=one.get("attribute"),
            denominator=one.get("denominator", ()),
            lets=tuple(many.get("let", ())),
            criteria=tuple(v for (k, v, _s) in items if k in ("criterion", "group")),
            span=_tspan(sid),
            duplicates=tuple(dups),
            spans=spans,
            body=_body(items),
        )

    def start(self, meta, c):
        return tuple(c)


def _body(items) -> tuple[A.Statement, ...]:
    return tuple(A.Statement(k, v, s) for (k, v, s) in items)


def _collect(items, singles):
    one: dict[str, Any] = {}
    many: dict[str, list[Any]] = {}
    dups: list[tuple[str, Span]] = []
    for key, value, span in items:
        if key in singles:
            if key in one:
                dups.append((key, span))
            else:
                one[key] = value
        else:
            many.setdefault(key, []).append(value)
    return one, many, dups


def _header(one, many) -> A.Header:
    title = one.get("title", (None, None))
    reg = one.get("regulation", (None, None))
    eff = one.get("effective", (None, None))
    return A.Header(
        title=title[0],
        title_en=title[1],
        regulation=reg[0],
        version=reg[1],
        effective_from=eff[0],
        effective_to=eff[1],
        status=one["status"][0] if "status" in one else None,
        uses=tuple(many.get("uses", ())),
        citations=tuple(many.get("cite", ())),
        notes=tuple(many.get("note", ())),
    )


# ---- errors in plain words -----------------------------------------------------------------

_FRIENDLY = {
    "NAME": ("nama", "a name"),
    "STRING": ("teks dalam tanda kutip", "a quoted text"),
    "NUMBER": ("angka", "a number"),
    "INT": ("nomor baris", "a line number"),
    "DATE": ("tanggal (YYYY-MM-DD)", "a date (YYYY-MM-DD)"),
    "PERCENT": ("persen (mis. 100%)", "a percentage (e.g. 100%)"),
    "COMPOP": ("pembanding (==, >=, ...)", "a comparison (==, >=, ...)"),
    "ADDOP": ("'+' atau '-'", "'+' or '-'"),
    "MULOP": ("'*' atau '/'", "'*' or '/'"),
    "AGGREGATE": ("agregat (count, sum, ...)", "an aggregate (count, sum, ...)"),
    "IN_PERIOD": ("'in period'", "'in period'"),
    "$END": ("akhir file", "the end of the file"),
}


def _describe_terminal(name: str) -> tuple[str, str]:
    if name in _FRIENDLY:
        return _FRIENDLY[name]
    term = {t.name: t for t in _lark().terminals}.get(name)
    if term is not None and isinstance(term.pattern, lark.lexer.PatternStr):
        text = f"'{term.pattern.value}'"
        return text, text
    return name.lower(), name.lower()


def _expected_text(expected: set[str]) -> tuple[str, str]:
    names = sorted(expected, key=lambda n: (n.startswith("$"), n))
    descs = [_describe_terminal(n) for n in names]
    # keywords first, then the kinds of tokens
    descs.sort(key=lambda d: (not d[1].startswith("'"), d[1]))
    if len(descs) > 10:
        extra = len(descs) - 10
        descs = [*descs[:10], (f"{extra} lainnya", f"{extra} more")]
    return ", ".join(d[0] for d in descs), ", ".join(d[1] for d in descs)


def _token_text(tok: Token) -> str:
    if tok.type == "$END":
        return ""
    return str(tok)


def _keyword_hint(word: str, expected: set[str]) -> tuple[str, str]:
    keywords = []
    for name in expected:
        desc = _describe_terminal(name)[1]
        if desc.startswith("'") and desc[1:-1].isidentifier():
            keywords.append(desc[1:-1])
    close = difflib.get_close_matches(word, keywords, n=1, cutoff=0.6)
    if close:
        return f"maksud Anda '{close[0]}'?", f"did you mean '{close[0]}'?"
    return "", ""


def syntax_diagnostic(err: UnexpectedInput, file: str, text: str) -> Diagnostic:
    """One plain-word diagnostic for a Lark syntax error."""
    hint = hint_en = ""
    if isinstance(err, UnexpectedCharacters):
        line, col = err.line, err.column
        ch = text[err.pos_in_stream] if 0 <= err.pos_in_stream < len(text) else "?"
        if ch == '"':
            msg = "teks dalam tanda kutip tidak ditutup sebelum akhir baris"
            msg_en = "quoted text is not closed before the end of the line"
            hint, hint_en = "tutup dengan '\"' pada baris yang sama", "close it with '\"' on the same line"
        else:
            exp_id, exp_en = _expected_text(set(err.allowed or ()))
            msg = f"karakter tak terduga {ch!r}; yang diharapkan: {exp_id}"
            msg_en = f"unexpected character {ch!r}; expected: {exp_en}"
        span = Span(line, col, line, col + 1)
    elif isinstance(err, UnexpectedEOF) or (isinstance(err, UnexpectedToken) and err.token.type == "$END"):
        exp_id, exp_en = _expected_text(set(err.expected or ()))
        lines = text.splitlines() or [""]
        line = len(lines)
        col = len(lines[-1]) + 1
        msg = f"file berakhir sebelum aturan selesai; yang diharapkan: {exp_id}"
        msg_en = f"the file ends before the rule is complete; expected: {exp_en}"
        if "RBRACE" in (err.expected or ()):
            hint, hint_en = "mungkin ada '}' yang kurang", "a closing '}' may be missing"
        span = Span(line, col, line, col + 1)
    else:
        assert isinstance(err, UnexpectedToken)
        tok = err.token
        exp_id, exp_en = _expected_text(set(err.expected or ()))
        shown = _token_text(tok)
        msg = f"tidak terduga: '{shown}'; yang diharapkan: {exp_id}"
        msg_en = f"unexpected '{shown}'; expected: {exp_en}"
        if tok.type == "NAME":
            hint, hint_en = _keyword_hint(str(tok), set(err.expected or ()))
        span = _tspan(tok)
    return Diagnostic("E001", Severity.ERROR, msg, msg_en, file, span, hint, hint_en)


_CHAINS = {"and_", "or_", "binop"}  # `a and b and c`, `1 + 2 + 3`: a chain is one level


def _deepest(tree: lark.Tree) -> tuple[int, lark.Tree]:
    """How deeply the text nests and its deepest node, found without recursion. The links of a
    chain of one operator (`a and b and c …`) count as one level: long chains are written by
    people, deep nesting is not."""
    best, where = 0, tree
    stack: list[tuple[lark.Tree, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > best:
            best, where = depth, node
        for child in node.children:
            if isinstance(child, lark.Tree):
                chained = child.data == node.data and node.data in _CHAINS
                stack.append((child, depth if chained else depth + 1))
    return best, where


def _too_deep(file: str, where: lark.Tree, limit: int) -> RuleError:
    meta = where.meta
    span = _mspan(meta) if not meta.empty else Span(1, 1, 1, 1)
    return RuleError(
        [
            Diagnostic(
                "E003",
                Severity.ERROR,
                f"ungkapan bersarang terlalu dalam (batas expression_depth={limit}); pecah menjadi "
                "beberapa 'let' atau 'define', atau naikkan dengan --limit expression_depth=N",
                f"expression nested too deeply (limit expression_depth={limit}); split it into "
                "'let's or 'define's, or raise it with --limit expression_depth=N",
                file,
                span,
            )
        ]
    )


def parse_text(text: str, file: str = "<teks>", limits: Limits = DEFAULT_LIMITS) -> A.RuleFile:
    """Parse one rule file. Raises `RuleError` with a plain-word diagnostic on bad syntax, and
    on nesting deeper than the limit (checked before any recursive step)."""
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as err:
        raise RuleError([syntax_diagnostic(err, file, text)]) from None
    depth, where = _deepest(tree)
    if depth > limits.expression_depth:
        raise _too_deep(file, where, limits.expression_depth)
    builder = _ToAst()
    try:
        items = builder.transform(tree)
    except RecursionError:
        raise _too_deep(file, where, limits.expression_depth) from None
    except lark.exceptions.VisitError as err:
        if isinstance(err.orig_exc, RecursionError):
            raise _too_deep(file, where, limits.expression_depth) from None
        orig = err.orig_exc
        if isinstance(orig, _BadLiteral):
            diag = Diagnostic("E002", Severity.ERROR, orig.message, orig.message_en, file, orig.span)
            raise RuleError([diag]) from None
        raise
    items = tuple(_with_file(i, file) for i in items)
    return A.RuleFile(file, items, text, scan_comments(text), tuple(builder.item_spans))


def scan_comments(text: str) -> tuple[A.Comment, ...]:
    """Every `#` comment outside a quoted text (quoted texts never span lines)."""
    out: list[A.Comment] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        in_string = False
        i = 0
        while i < len(line):
            ch = line[i]
            if in_string:
                if ch == "\\":
                    i += 1
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch == "#":
                text_ = line[i:].rstrip()
                out.append(A.Comment(lineno, i + 1, text_, not line[:i].strip()))
                break
            i += 1
    return tuple(out)


def _with_file(item: A.Item, file: str) -> A.Item:
    if isinstance(item, A.Standard | A.RuleSetDecl):
        return replace(item, file=file)
    return item
