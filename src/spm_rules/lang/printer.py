"""Print expressions back as rule-language text, with the fewest parentheses that keep meaning.

Used by explanations (an unlabeled value is shown as the expression that produced it) and the
basis of the canonical formatter.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from . import ast as A

# binding strength: higher binds tighter
_PREC = {"if": 0, "or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6}


def literal_text(value: object) -> str:
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def format_decimal(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _prec(expr: A.Expr) -> int:
    match expr:
        case A.IfExpr():
            return _PREC["if"]
        case A.Binary(op=op):
            return _PREC[op]
        case A.Unary(op="not"):
            return _PREC["not"]
        case A.Compare() | A.InSet() | A.Between() | A.IsMissing():
            return _PREC["cmp"]
    return 10


def to_source(expr: A.Expr) -> str:
    """The canonical text of an expression."""
    match expr:
        case A.Literal(value=v, raw=raw):
            return raw if raw is not None else literal_text(v)
        case A.SetLit(items=items):
            return "{" + ", ".join(to_source(i) for i in items) + "}"
        case A.Name(name=n):
            return n
        case A.Field(target=t, name=n):
            return f"{_wrap(t, 10)}.{n}"
        case A.Call(func=f, args=args):
            return f"{f}(" + ", ".join(to_source(a) for a in args) + ")"
        case A.Aggregate(func=f, var=var, source=src, where=w, value=v):
            text = f"{f}({var} in {to_source(src)}"
            if w is not None:
                text += f" where {to_source(w)}"
            if v is not None:
                text += f" : {to_source(v)}"
            return text + ")"
        case A.Unary(op="-", operand=o):
            return "-" + _wrap(o, 10)
        case A.Unary(op="not", operand=o):
            return "not " + _wrap(o, _PREC["not"])
        case A.Binary(op=op, left=left, right=right):
            p = _PREC[op]
            # left-associative: the right operand needs parentheses at equal strength
            return f"{_wrap(left, p)} {op} {_wrap(right, p + 1)}"
        case A.Compare(op=op, left=left, right=right):
            return f"{_wrap(left, 5)} {op} {_wrap(right, 5)}"
        case A.InSet(value=v, set=s, negated=neg):
            return f"{_wrap(v, 5)} {'not in' if neg else 'in'} {_wrap(s, 5)}"
        case A.Between(value=v, low=lo, high=hi):
            return f"{_wrap(v, 5)} between {_wrap(lo, 5)} and {_wrap(hi, 5)}"
        case A.IsMissing(value=v, negated=neg):
            return f"{_wrap(v, 5)} is {'not missing' if neg else 'missing'}"
        case A.IfExpr(cond=c, then=t, else_=e):
            return f"if {to_source(c)} then {to_source(t)} else {to_source(e)}"
    raise TypeError(f"not an expression: {expr!r}")


def _wrap(expr: A.Expr, min_prec: int) -> str:
    text = to_source(expr)
    return f"({text})" if _prec(expr) < min_prec else text
