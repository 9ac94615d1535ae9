"""The canonical layout of rule files (no options), keeping every comment.

Layout: two spaces per block level, one statement per line, a blank line between top-level
items and before every criterion or group inside a block; expressions are printed by
`printer.to_source` and broken at `and` / `or` or before `where` when a line would pass 100
columns. Comments on their own line go before the statement that follows them; a comment at the
end of a line stays at the end of that statement; comments before a closing `}` stay inside the
block. An empty line the author left between statements is kept (several become one). The result
parses to the same AST and formatting it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import ast as A
from .errors import Span
from .printer import _PREC, _prec, format_decimal, literal_text, to_source

WIDTH = 100
IND = "  "


@dataclass
class _Slot:
    """Comments that belong to one statement."""

    leading: list[A.Comment] = field(default_factory=list)
    trailing: list[A.Comment] = field(default_factory=list)


def _q(text: str) -> str:
    return literal_text(text)


# ---- expressions ---------------------------------------------------------------------------


def fmt_expr(e: A.Expr, col: int, cont: int) -> str:
    """An expression starting at column `col`; continuation lines start at column `cont`."""
    one = to_source(e)
    if col + len(one) <= WIDTH:
        return one
    pad = " " * cont
    if isinstance(e, A.Binary) and e.op in ("and", "or"):
        parts = _flatten(e, e.op)
        out = [_part(parts[0], e.op, col, cont)]
        for p in parts[1:]:
            out.append(f"{e.op} " + _part(p, e.op, cont + len(e.op) + 1, cont + len(e.op) + 1))
        return f"\n{pad}".join(out)
    if isinstance(e, A.Aggregate):
        head = f"{e.func}({e.var} in {to_source(e.source)}"
        lines = [head]
        inner = cont
        if e.where is not None:
            lines.append("where " + fmt_expr(e.where, inner + 6, inner + 6))
        if e.value is not None:
            lines.append(": " + fmt_expr(e.value, inner + 2, inner + 2))
        return f"\n{' ' * inner}".join(lines) + ")"
    if isinstance(e, A.Field) and isinstance(e.target, A.Aggregate):
        return fmt_expr(e.target, col, cont) + f".{e.name}"
    if isinstance(e, A.IfExpr):
        lines = [f"if {to_source(e.cond)} then {to_source(e.then)}"]
        cur: A.Expr = e.else_
        while isinstance(cur, A.IfExpr):
            lines.append(f"else if {to_source(cur.cond)} then {to_source(cur.then)}")
            cur = cur.else_
        lines.append(f"else {to_source(cur)}")
        return f"\n{' ' * col}".join(lines)
    return one


def _flatten(e: A.Expr, op: str) -> list[A.Expr]:
    if isinstance(e, A.Binary) and e.op == op:
        return [*_flatten(e.left, op), *_flatten(e.right, op)]
    return [e]


def _part(e: A.Expr, op: str, col: int, cont: int) -> str:
    if _prec(e) <= _PREC[op] and not (isinstance(e, A.Binary) and e.op == op):
        return "(" + fmt_expr(e, col + 1, cont + 1) + ")"
    return fmt_expr(e, col, cont)


# ---- statements ----------------------------------------------------------------------------


def _lines(line_range: tuple[int, int]) -> str:
    lo, hi = line_range
    return f"line {lo}" if lo == hi else f"lines {lo}-{hi}"


def _cite(c: A.Citation) -> str:
    section = f" {_q(c.section)}" if c.section is not None else ""
    return f"{c.source}{section} {_lines((c.line_from, c.line_to))}"


def _with_en(keyword: str, value: tuple[str, str | None]) -> str:
    text = f"{keyword} {_q(value[0])}"
    return text + (f" en {_q(value[1])}" if value[1] is not None else "")


def _statement(st: A.Statement, indent: int) -> str:
    """A non-block statement as text (possibly several lines, first line not indented)."""
    k, v = st.keyword, st.value
    col = indent * len(IND)
    cont = col + 4
    pad = "\n" + " " * cont
    match k:
        case "title" | "short" | "unit":
            text = _with_en(k, v)
            if col + len(text) > WIDTH and v[1] is not None:
                text = f"{k} {_q(v[0])}{pad}en {_q(v[1])}"
            return text
        case "regulation":
            return f"regulation {_q(v[0])}" + (f" version {_q(v[1])}" if v[1] else "")
        case "effective":
            return f"effective {v[0].isoformat()}" + (f" to {v[1].isoformat()}" if v[1] else "")
        case "cite":
            return f"cite {_cite(v)}"
        case "status":
            return f"status {v[0]}"
        case "uses":
            return f"uses {_q(v[0])}"
        case "note":
            text = f"note {_q(v.text)}"
            if v.see is not None:
                see = f"see {_cite(v.see)}"
                text += (" " + see) if col + len(text) + 1 + len(see) <= WIDTH else pad + see
            return text
        case "target":
            return f"target {format_decimal(v * 100)}%"
        case "subject":
            return f"subject {v[0]}" + (f" {_q(v[1])}" if v[1] else "")
        case "link":
            word = "records" if v.many else "record"
            tail = " in period" if v.in_period else ""
            return f"{word} {v.name} = {v.kind} by {v.by}{tail}"
        case "period":
            kind, on = v
            if on is None:
                return f"period {kind}"
            head = f"period {kind} on "
            return head + fmt_expr(on, col + len(head), cont)
        case "population" | "attribute" | "when" | "require":
            head = f"{k} "
            return head + fmt_expr(v, col + len(head), cont)
        case "denominator":
            alts = ["counted" if a.expr is None else fmt_expr(a.expr, col, cont) for a in v]
            return "denominator " + " otherwise ".join(alts)
        case "let":
            label = f" {_q(v.label)}" if v.label else ""
            head = f"let {v.name}{label} = "
            one = to_source(v.expr)
            if col + len(head) + len(one) <= WIDTH:
                return head + one
            return head.rstrip() + pad + fmt_expr(v.expr, cont, cont + 2)
        case "informative":
            return "informative"
    raise ValueError(f"unknown statement {k}")  # pragma: no cover


# ---- comment placement ---------------------------------------------------------------------


def _distribute(
    spans: list[Span], comments: list[A.Comment], nested: list[bool]
) -> tuple[list[_Slot], list[A.Comment], list[list[A.Comment]]]:
    """Give each comment to a statement: (slots, closing comments, comments inside blocks)."""
    slots = [_Slot() for _ in spans]
    inner: list[list[A.Comment]] = [[] for _ in spans]
    closing: list[A.Comment] = []
    for c in comments:
        owner = next((i for i, s in enumerate(spans) if s.line <= c.line <= s.end_line), None)
        if owner is not None:
            s = spans[owner]
            # inside a block: own-line comments, and comments after its closing brace
            if nested[owner] and (c.own_line or s.line < c.line <= s.end_line):
                inner[owner].append(c)
            elif c.own_line:
                slots[owner].leading.append(c)
            else:
                slots[owner].trailing.append(c)
            continue
        following = next((i for i, s in enumerate(spans) if s.line > c.line), None)
        if following is None:
            closing.append(c)
        else:
            slots[following].leading.append(c)
    return slots, closing, inner


def _leading(out: list[str], pad: str, comments: list[A.Comment], line: int, blank: frozenset[int]) -> None:
    """Comments above a statement, keeping one empty line where the author left one."""
    for n, c in enumerate(comments):
        out.append(pad + c.text)
        nxt = comments[n + 1].line if n + 1 < len(comments) else line
        if any(k in blank for k in range(c.line + 1, nxt)):
            out.append("")


def _emit(out: list[str], indent: int, text: str, slot: _Slot, line: int, blank: frozenset[int]) -> None:
    pad = IND * indent
    # a multi-line statement keeps one trailing comment; the others go above it
    _leading(out, pad, [*slot.leading, *slot.trailing[1:]], line, blank)
    lines = text.split("\n")
    if slot.trailing:
        lines[-1] += "  " + slot.trailing[0].text
    out.append(pad + lines[0])
    out.extend(lines[1:])


def _blank_before(line: int, slot: _Slot, blank: frozenset[int], prev_end: int) -> bool:
    """Did the author leave an empty line between the previous statement and this one (or its
    comments)?"""
    first = min([line, *(c.line for c in slot.leading)])
    return any(k in blank for k in range(prev_end + 1, first))


def _block(
    header: str,
    body: tuple[A.Statement, ...],
    comments: list[A.Comment],
    indent: int,
    out: list[str],
    slot: _Slot,
    blank: frozenset[int],
    line: int,
) -> None:
    pad = IND * indent
    _leading(out, pad, [*slot.leading, *slot.trailing[1:]], line, blank)
    trailing = "".join("  " + c.text for c in slot.trailing[:1])
    out.append(f"{pad}{header} {{{trailing}")
    _body(body, comments, indent + 1, out, blank)
    out.append(f"{pad}}}")


def _body(
    body: tuple[A.Statement, ...],
    comments: list[A.Comment],
    indent: int,
    out: list[str],
    blank: frozenset[int],
) -> None:
    spans = [st.span for st in body]
    nested = [st.keyword in ("criterion", "group") for st in body]
    slots, closing, inner = _distribute(spans, comments, nested)
    for i, st in enumerate(body):
        if i > 0 and (nested[i] or _blank_before(st.span.line, slots[i], blank, spans[i - 1].end_line)):
            out.append("")
        if st.keyword in ("criterion", "group"):
            node = st.value
            header = f"{st.keyword} {node.id} {_q(node.label)}"
            if node.label_en is not None:
                header += f" en {_q(node.label_en)}"
            _block(header, node.body, inner[i], indent, out, slots[i], blank, st.span.line)
        else:
            _emit(out, indent, _statement(st, indent), slots[i], st.span.line, blank)
    for c in closing:
        out.append(IND * indent + c.text)


def _item_text(item: A.Item) -> str | None:
    """A top-level item that is not a block, as text."""
    match item:
        case A.Source(name=n, title=t, file=f):
            text = f"source {n} {_q(t)}"
            if f is not None:
                tail = f" file {_q(f)}"
                text += tail if len(text) + len(tail) <= WIDTH else f"\n    file {_q(f)}"
            return text
        case A.ValueSet(name=n, label=lab, items=items):
            head = f"valueset {n}" + (f" {_q(lab)}" if lab else "") + " = "
            one = "{" + ", ".join(to_source(i) for i in items) + "}"
            if len(head) + len(one) <= WIDTH:
                return head + one
            if 4 + len(one) <= WIDTH:
                return head.rstrip() + "\n    " + one
            return head + "{\n" + ",\n".join(f"    {to_source(i)}" for i in items) + "\n}"
        case A.Define(name=n, body=body, label=label, is_param=True):
            head = f"param {n}" + (f" {_q(label)}" if label else "") + " = "
            return head + to_source(body)
        case A.Define(name=n, params=params, body=body):
            sig = n + (f"({', '.join(params)})" if params is not None else "")
            head = f"define {sig} = "
            one = to_source(body)
            if len(head) + len(one) <= WIDTH:
                return head + one
            return f"define {sig} =\n    " + fmt_expr(body, 4, 8)
    return None


def format_file(rf: A.RuleFile) -> str:
    """The canonical text of a parsed rule file."""
    out: list[str] = []
    spans = list(rf.item_spans) or [Span(1, 1, 1, 1)] * len(rf.items)
    nested = [isinstance(i, A.Standard | A.RuleSetDecl) for i in rf.items]
    slots, closing, inner = _distribute(spans, list(rf.comments), nested)
    lines = rf.source_text.splitlines()
    blank = frozenset(n for n, text in enumerate(lines, start=1) if not text.strip())
    previous: tuple[str, bool] | None = None  # (kind, printed on one line)
    for i, item in enumerate(rf.items):
        text = _item_text(item)
        kind = type(item).__name__
        single = text is not None and "\n" not in text
        if previous is not None and (
            not (single and previous == (kind, True))
            or _blank_before(spans[i].line, slots[i], blank, spans[i - 1].end_line)
        ):
            out.append("")
        previous = (kind, single)
        if text is not None:
            _emit(out, 0, text, slots[i], spans[i].line, blank)
            continue
        if isinstance(item, A.Standard):
            _block(f"standard {item.id}", item.body, inner[i], 0, out, slots[i], blank, spans[i].line)
        elif isinstance(item, A.RuleSetDecl):
            _block(f"ruleset {item.name}", item.body, inner[i], 0, out, slots[i], blank, spans[i].line)
    if closing:
        if out:
            out.append("")
        out.extend(c.text for c in closing)
    return "\n".join(out).rstrip("\n") + "\n" if out else ""
