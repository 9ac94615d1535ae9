"""Turn the engine's structured facts into short sentences, in either language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ..engine.verdict import Fact, Missing, NodeResult, Status, Verdict
from ..lang.printer import format_decimal
from ..model import Record
from .catalogue import say
from .i18n import pick, t

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


def fact_text(fact: Fact, unit: str | None, lang: str) -> str:
    # the unit belongs to counted numbers, never to dates or codes
    numeric = isinstance(fact.value, Decimal | int) and not isinstance(fact.value, bool)
    u = f" {unit}" if unit and numeric else ""
    if fact.kind == "compare" and fact.op in _OPS:
        return f"{fact.label}: {_v(fact.value, lang)}{u}, {t(lang, _OPS[fact.op])} {_v(fact.other, lang)}"
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


def node_reason(node: NodeResult, lang: str) -> str:
    """One line: why this criterion has its status."""
    unit = pick(lang, node.unit, node.unit_en) or None
    if node.status == Status.NOT_MET and node.missing:
        return "; ".join(missing_text(m, lang) for m in node.missing)
    parts = [fact_text(f, unit, lang) for f in node.facts]
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


def verdict_words(v: Verdict, lang: str) -> list[str]:
    """A verdict in words, one line per criterion: status, label, why, citation (rule tests
    compare these, built from the structured verdict, never from a terminal rendering)."""
    out = [fact_text(f, None, lang) for f in v.scope_facts]
    out += [missing_text(m, lang) for m in v.scope_missing]

    def walk(node: NodeResult, depth: int) -> None:
        info = f" ({t(lang, 'info')})" if node.informative else ""
        reason = "" if node.is_group else node_reason(node, lang)
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
