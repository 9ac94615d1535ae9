"""Turn the engine's structured facts into short sentences, in either language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ..engine.verdict import Fact, Missing, NodeResult, Status, Verdict
from ..lang.printer import format_decimal
from ..model import Record
from .catalogue import say, words
from .i18n import pick, t
from .words import expr_words

_OPS = {
    ">=": "at_least",
    "<=": "at_most",
    ">": "more_than",
    "<": "less_than",
    "==": "equals",
    "!=": "not_equal",
}

SYMBOL = {
    Status.MET: "✓",
    Status.NOT_MET: "✗",
    Status.NOT_APPLICABLE: "–",
}


def value_text(value: Any, lang: str = "id") -> str:
    """A short rendering of a runtime value, in the language asked for."""
    if isinstance(value, Missing):
        return t(lang, "not_recorded")
    if isinstance(value, bool):
        return t(lang, "yes" if value else "no")
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Record):
        return str(value.ref)
    if isinstance(value, list):
        return f"{len(value)} {t(lang, 'records').lower()}"
    return str(value)


def _v(value, lang: str) -> str:
    return value_text(value, lang)


def _refs_words(refs, lang: str) -> str:
    return ", ".join(f"{r.file} {t(lang, 'line_one')} {r.line}" for r in refs[:5]) + (
        " …" if len(refs) > 5 else ""
    )


def _plain_aggregate(fact: Fact, lang: str) -> str:
    """`all`/`any` in the auditor's words: what was looked for, in how many of which records."""
    scope = fact.source_label or ""
    if scope.isidentifier():  # a collection without a label: its name, said plainly
        scope = scope.replace("_", " ")
    if fact.kind == "all":
        if fact.where is not None:
            scope = words("say.scope_where", lang, scope=scope, where=expr_words(fact.where, lang))
        if not fact.total:
            return words("say.all_none", lang, scope=scope)
        cond = expr_words(fact.condition, lang)
        if fact.failing:
            return words(
                "say.all_failing", lang, cond=cond, n=fact.value, total=fact.total, scope=scope,
                refs=_refs_words(fact.failing, lang),
            )  # fmt: skip
        return words("say.all", lang, cond=cond, n=fact.value, total=fact.total, scope=scope)
    cond = words("say.with", lang, where=expr_words(fact.where, lang)) if fact.where is not None else ""
    return words("say.any", lang, n=fact.value, total=fact.total, scope=scope, cond=cond).rstrip()


def fact_text(fact: Fact, unit: str | None, lang: str, raw: bool = False) -> str:
    """One fact: in plain words, or (`raw`) with the rule's own text for rule maintainers."""
    # the unit belongs to counted numbers, never to dates or codes
    numeric = isinstance(fact.value, Decimal | int) and not isinstance(fact.value, bool)
    u = f" {unit}" if unit and numeric else ""
    if not raw and fact.kind in ("all", "any") and fact.source_label is not None:
        return _plain_aggregate(fact, lang)
    if fact.kind == "compare" and fact.op in _OPS:
        text = f"{fact.label}: {_v(fact.value, lang)}{u}, {t(lang, _OPS[fact.op])} {_v(fact.other, lang)}"
        short = isinstance(fact.other, Decimal) and numeric and fact.op in (">=", ">")
        if not raw and short and fact.value < fact.other:
            text += f" ({words('say.short', lang, diff=_v(fact.other - fact.value, lang))})"
        return text
    if fact.kind == "between":
        return f"{fact.label}: {_v(fact.value, lang)} ({_v(fact.other, lang)}–{_v(fact.other2, lang)})"
    if fact.kind == "in":
        return f"{fact.label}: {_v(fact.value, lang)} ({fact.op} {fact.other})"
    if fact.kind in ("present", "missing"):
        return f"{fact.label}: {_v(fact.value, lang)}"
    if fact.kind == "all":
        if not fact.total:
            return f"{fact.label}: {t(lang, 'none')}"
        bad = len(fact.failing)
        if bad:
            where = ", ".join(f"{r.file} {t(lang, 'line_one')} {r.line}" for r in fact.failing[:5])
            return f"{fact.label}: {bad} {t(lang, 'of')} {fact.total} {t(lang, 'lacking')} ({where})"
        return f"{fact.label}: {fact.total} {t(lang, 'of')} {fact.total}"
    if fact.kind == "any":
        return f"{fact.label}: {fact.value} {t(lang, 'of')} {fact.total} {t(lang, 'found')}"
    return f"{fact.label}: {_v(fact.value, lang)}"


def missing_text(m: Missing, lang: str) -> str:
    where = f" ({m.ref})" if m.ref else ""
    return f"{t(lang, 'not_recorded')}: {say(m.reason, lang)}{where}"


def node_label(node: NodeResult, lang: str) -> str:
    return pick(lang, node.label, node.label_en)


def node_reason(node: NodeResult, lang: str, raw: bool = False) -> str:
    """One line: why this criterion has its status (plain words; `raw`: the rule's text)."""
    unit = pick(lang, node.unit, node.unit_en) or None
    if node.status == Status.NOT_MET and node.missing:
        return "; ".join(missing_text(m, lang) for m in node.missing)
    parts = [fact_text(f, unit, lang, raw) for f in node.facts]
    return "; ".join(dict.fromkeys(parts))


def cite_text(citations, lang: str) -> str:
    """`[juknis 1.b.1), baris 240]` for the first citation of a node."""
    if not citations:
        return ""
    c = citations[0]
    lines = f"{c.line_from}" if c.line_from == c.line_to else f"{c.line_from}-{c.line_to}"
    word = t(lang, "lines") if c.line_from != c.line_to else t(lang, "line_one")
    section = f" {c.section}" if c.section else ""
    return f"[{c.source}{section}, {word} {lines}]"


def verdict_words(v: Verdict, lang: str, raw: bool = False) -> list[str]:
    """A verdict in words, one line per criterion: status, label, why, citation (rule tests
    compare these, built from the structured verdict, never from a terminal rendering)."""
    out = [fact_text(f, None, lang, raw) for f in v.scope_facts]
    out += [missing_text(m, lang) for m in v.scope_missing]

    def walk(node: NodeResult, depth: int) -> None:
        info = f" ({t(lang, 'info')})" if node.informative else ""
        reason = "" if node.is_group else node_reason(node, lang, raw)
        if node.is_group and node.missing:
            reason = "; ".join(missing_text(m, lang) for m in node.missing)
        out.append(
            f"{'  ' * depth}{SYMBOL[node.status]} {node_label(node, lang)}{info} ({node.id}, "
            f"{t(lang, node.status.value)}): {reason} {cite_text(node.citations, lang)}".rstrip()
        )
        for child in node.children:
            walk(child, depth + 1)

    for node in v.criteria:
        walk(node, 0)
    return out


def short_label(node_id: str, labels: dict, lang: str) -> str:
    lab = labels.get(node_id)
    if lab is None:
        return node_id
    short = pick(lang, lab["short"], lab["short_en"])
    return short or pick(lang, lab["label"], lab["label_en"])
