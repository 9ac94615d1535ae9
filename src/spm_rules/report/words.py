"""Rule expressions in plain words, for auditors who do not read rule syntax.

`v.berat_badan is not missing` becomes "berat badan tercatat" / "berat badan recorded";
`age_years(tanggal_lahir, period_end) >= 60` becomes "umur tanggal lahir pada akhir periode
(tahun) minimal 60". Every operator has a phrase here and every built-in function its phrase in
the catalogue (`lang/builtins.py`); field and variable names are shown without underscores.
The rule text itself stays available (`explain --verbose`, JSON) for rule maintainers.
"""

from __future__ import annotations

from ..lang import ast as A
from ..lang.builtins import BUILTINS
from ..lang.printer import literal_text

_OP = {
    "id": {">=": "minimal", "<=": "maksimal", ">": "lebih dari", "<": "kurang dari", "==": "=", "!=": "bukan",
           "and": "dan", "or": "atau", "+": "+", "-": "−", "*": "×", "/": "÷"},
    "en": {">=": "at least", "<=": "at most", ">": "more than", "<": "less than", "==": "=", "!=": "not",
           "and": "and", "or": "or", "+": "+", "-": "−", "*": "×", "/": "÷"},
}  # fmt: skip
_WORDS = {
    "id": {"present": "tercatat", "missing": "tidak tercatat", "not": "tidak", "in": "termasuk",
           "not_in": "tidak termasuk", "between": "antara", "and": "dan", "count": "banyaknya",
           "sum": "jumlah", "min": "terkecil", "max": "terbesar", "any": "ada", "all": "semua",
           "first": "yang pertama dari", "last": "yang terakhir dari", "filter": "",
           "count_distinct": "banyaknya berbeda", "where": "dengan", "period_start": "awal periode",
           "period_end": "akhir periode", "period_label": "periode", "if": "jika", "then": "maka",
           "else": "selain itu", "yes": "ya", "no": "tidak", "of": "pada"},
    "en": {"present": "recorded", "missing": "not recorded", "not": "not", "in": "in",
           "not_in": "not in", "between": "between", "and": "and", "count": "the number of",
           "sum": "the sum of", "min": "the least", "max": "the greatest", "any": "any",
           "all": "all", "first": "the first of", "last": "the last of", "filter": "",
           "count_distinct": "the number of distinct", "where": "with",
           "period_start": "the start of the period",
           "period_end": "the end of the period", "period_label": "the period", "if": "if", "then": "then",
           "else": "else", "yes": "yes", "no": "no", "of": "of"},
}  # fmt: skip


def human(name: str) -> str:
    """`berat_badan` -> `berat badan`."""
    return name.replace("_", " ").strip()


def expr_words(expr: A.Expr | None, lang: str, names: dict[str, str] | None = None) -> str:
    """An expression in plain words (Indonesian or English). `names` gives the words for named
    values (a `let`'s label), shown instead of the bare name."""

    def say(e: A.Expr | None) -> str:
        return expr_words(e, lang, names)

    if expr is None:
        return ""
    w = _WORDS["en" if lang == "en" else "id"]
    op = _OP["en" if lang == "en" else "id"]
    match expr:
        case A.Literal(value=v, raw=raw):
            if isinstance(v, bool):
                return w["yes"] if v else w["no"]
            if isinstance(v, str):
                return human(v)
            return raw if raw is not None else literal_text(v)
        case A.SetLit(items=items):
            return ", ".join(say(i) for i in items)
        case A.Name(name=n):
            if names and n in names:
                return names[n]
            return w.get(n, human(n)) if n.startswith("period_") else human(n)
        case A.Field(target=A.Aggregate() as of, name=n):  # `first(s in skrining).fasilitas`
            return f"{human(n)} {w['of']} {say(of)}"
        case A.Field(name=n):
            return human(n)
        case A.IsMissing(value=v, negated=neg):
            return f"{say(v)} {w['present'] if neg else w['missing']}"
        case A.Compare(op=o, left=left, right=right):
            return f"{say(left)} {op[o]} {say(right)}"
        case A.InSet(value=v, set=s, negated=neg):
            return f"{say(v)} {w['not_in'] if neg else w['in']} {say(s)}"
        case A.Between(value=v, low=lo, high=hi):
            return f"{say(v)} {w['between']} {say(lo)}–{say(hi)}"
        case A.Binary(op=o, left=left, right=right) if o in ("and", "or"):
            # a mixed `and`/`or` is bracketed, so that the words keep the rule's grouping
            parts = [
                f"({say(side)})"
                if isinstance(side, A.Binary) and side.op in ("and", "or") and side.op != o
                else say(side)
                for side in (left, right)
            ]
            return f"{parts[0]} {op[o]} {parts[1]}"
        case A.Binary(op=o, left=left, right=right):
            return f"{say(left)} {op[o]} {say(right)}"
        case A.Unary(op="not", operand=o):
            return f"{w['not']} ({say(o)})"
        case A.Unary(op="-", operand=o):
            return f"−{say(o)}"
        case A.Call(func=f, args=args):
            builtin = BUILTINS.get(f)
            words = [say(a) for a in args]
            if builtin is None:  # a define: its name says what it is
                return f"{human(f)} ({', '.join(words)})" if words else human(f)
            phrase = builtin.phrase_en if lang == "en" else builtin.phrase
            return phrase.format(*words, args=", ".join(words))
        case A.Aggregate(func=f, source=src, where=where, value=value):
            text = f"{w[f]} {say(src)}".strip()
            if where is not None:
                text += f" {w['where']} {say(where)}"
            if value is not None:
                text += f": {say(value)}"
            return text
        case A.IfExpr(cond=c, then=t, else_=e):
            said = (say(c), say(t), say(e))
            return f"{w['if']} {said[0]} {w['then']} {said[1]} {w['else']} {said[2]}"
    return human(type(expr).__name__)
