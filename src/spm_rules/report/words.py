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
           "else": "selain itu"},
    "en": {"present": "recorded", "missing": "not recorded", "not": "not", "in": "in",
           "not_in": "not in", "between": "between", "and": "and", "count": "the number of",
           "sum": "the sum of", "min": "the least", "max": "the greatest", "any": "any",
           "all": "all", "first": "the first of", "last": "the last of", "filter": "",
           "count_distinct": "the number of distinct", "where": "with",
           "period_start": "the start of the period",
           "period_end": "the end of the period", "period_label": "the period", "if": "if", "then": "then",
           "else": "else"},
}  # fmt: skip


def human(name: str) -> str:
    """`berat_badan` -> `berat badan`."""
    return name.replace("_", " ").strip()


def expr_words(expr: A.Expr | None, lang: str) -> str:
    """An expression in plain words (Indonesian or English)."""
    if expr is None:
        return ""
    w = _WORDS["en" if lang == "en" else "id"]
    op = _OP["en" if lang == "en" else "id"]
    match expr:
        case A.Literal(value=v, raw=raw):
            if isinstance(v, str):
                return human(v)
            return raw if raw is not None else literal_text(v)
        case A.SetLit(items=items):
            return ", ".join(expr_words(i, lang) for i in items)
        case A.Name(name=n):
            return w.get(n, human(n)) if n.startswith("period_") else human(n)
        case A.Field(name=n):
            return human(n)
        case A.IsMissing(value=v, negated=neg):
            return f"{expr_words(v, lang)} {w['present'] if neg else w['missing']}"
        case A.Compare(op=o, left=left, right=right):
            return f"{expr_words(left, lang)} {op[o]} {expr_words(right, lang)}"
        case A.InSet(value=v, set=s, negated=neg):
            return f"{expr_words(v, lang)} {w['not_in'] if neg else w['in']} {expr_words(s, lang)}"
        case A.Between(value=v, low=lo, high=hi):
            return f"{expr_words(v, lang)} {w['between']} {expr_words(lo, lang)}–{expr_words(hi, lang)}"
        case A.Binary(op=o, left=left, right=right):
            return f"{expr_words(left, lang)} {op[o]} {expr_words(right, lang)}"
        case A.Unary(op="not", operand=o):
            return f"{w['not']} ({expr_words(o, lang)})"
        case A.Unary(op="-", operand=o):
            return f"−{expr_words(o, lang)}"
        case A.Call(func=f, args=args):
            builtin = BUILTINS.get(f)
            words = [expr_words(a, lang) for a in args]
            if builtin is None:  # a define: its name says what it is
                return f"{human(f)} ({', '.join(words)})" if words else human(f)
            phrase = builtin.phrase_en if lang == "en" else builtin.phrase
            return phrase.format(*words, args=", ".join(words))
        case A.Aggregate(func=f, source=src, where=where, value=value):
            text = f"{w[f]} {expr_words(src, lang)}".strip()
            if where is not None:
                text += f" {w['where']} {expr_words(where, lang)}"
            if value is not None and f != "all":
                text += f": {expr_words(value, lang)}"
            return text
        case A.IfExpr(cond=c, then=t, else_=e):
            said = (expr_words(c, lang), expr_words(t, lang), expr_words(e, lang))
            return f"{w['if']} {said[0]} {w['then']} {said[1]} {w['else']} {said[2]}"
    return human(type(expr).__name__)
