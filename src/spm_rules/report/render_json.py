"""JSON output: stable keys, exact fractions beside rounded percentages (docs/json-output.md)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..engine.keys import Keys, json_text_list
from ..engine.verdict import Fact, Missing, NodeResult, Verdict
from ..lang import ast as A
from ..model import Register
from .aggregate import Row, StandardReport
from .catalogue import facility_name, say
from .i18n import percent_plain, pick
from .ledger import not_read_reason
from .phrases import fact_text, value_text

SCHEMA_VERSION = 2
_MARKED = re.compile(r'"\\u0000(\d+)\\u0000"')  # a list's place in the text (`json_text`)


def json_text(doc: Any, end: str = "") -> str:
    """The document as JSON text, indented by two spaces, each non-empty list of texts on one
    line: the same data as `json.dumps(doc, indent=2)`, `json_pieces` joined."""
    return "".join(json_pieces(doc, end))


def json_pieces(doc: Any, end: str = "") -> Iterator[str]:
    """`json_text` in pieces, each list of texts made when its turn comes, for a writer that
    writes them one by one: a city's report is 68–117 MB of text, which joined into one and
    encoded whole was held three times at the run's peak.

    A city's report lists millions of subjects' keys, which the indenting encoder (pure
    Python) wrote one per line in seconds and a gigabyte of pieces; each such list is written
    on its own (`_text_list`) and put in its place. `end` closes the text."""
    lists: list[Sequence[str]] = []  # each list or tuple of texts, or `Keys`, as the document holds it

    def mark(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, Keys | list | tuple):
            if value and (isinstance(value, Keys) or set(map(type, value)) == {str}):
                lists.append(value)
                return f"\x00{len(lists) - 1}\x00"
            return [mark(v) for v in value]
        return value

    # the text between the marks, each mark's number after it: [text, n, text, n, …, text]
    parts = _MARKED.split(json.dumps(mark(doc), ensure_ascii=False, indent=2))
    if sorted(map(int, parts[1::2])) != list(range(len(lists))):  # a text of the data looks like a mark
        return iter([json.dumps(doc, ensure_ascii=False, indent=2, default=list) + end])  # (`Keys`)
    return _pieces(parts, lists, end)


def _pieces(parts: list[str], lists: list[Sequence[str]], end: str) -> Iterator[str]:
    """The text between the marks and each marked list's text, made when its turn comes."""
    for i, part in enumerate(parts):
        yield _text_list(lists[int(part)]) if i % 2 else part
    yield end


def _text_list(texts: Sequence[str]) -> str:
    """`json.dumps(texts, ensure_ascii=False)`: joined as they are when none needs escaping
    (a NIK, a key: one join, against the C encoder's string object per text; a `Keys`' texts
    as DuckDB joined them)."""
    found = json_text_list(texts)
    return found if found is not None else json.dumps(list(texts), ensure_ascii=False)


def _num(value: Decimal | int | None) -> int | float | None:
    if value is None:
        return None
    d = Decimal(value)
    return int(d) if d == d.to_integral_value() else float(d)


def _row(row: Row, lang: str) -> dict[str, Any]:
    cap = row.capaian
    return {
        "facility": facility_name(row.facility, lang),
        "denominator": _num(row.denominator),
        "denominator_source": None
        if row.source is None
        else {
            "kind": row.source.kind,
            "expression": row.source.expr,
            "records": [str(r) for r in row.source.refs],
        },
        "subjects": row.subjects,
        "numerator": row.numerator,
        "capaian": percent_plain(cap),
        "capaian_exact": None if cap is None else f"{cap.numerator}/{cap.denominator}",
        "without_records": row.without_records,
        "failing": dict(row.failing.most_common()),
        "informative_failing": dict(row.informative.most_common()),
        "subjects_counted": row.counted_keys,  # (`Keys`: written as joined, `json_text`)
        "subjects_not_counted": row.not_counted_keys,
    }


def register_json(register: Register, lang: str = "id") -> dict[str, Any]:
    """What was read: rows per file, and every problem (for check and validate alike)."""
    return {
        "rows_read": register.rows_read,
        "rows_rejected": register.rows_rejected,
        "rows_duplicate": register.rows_duplicate,
        "files": [
            {
                "file": f.file,
                "kind": f.kind,
                "rows_read": f.rows_read,
                "rows_rejected": f.rows_rejected,
                "rows_duplicate": f.rows_duplicate,
            }
            for f in register.files
        ],
        "problems": [
            {
                "file": p.file,
                "line": p.line,
                "column": p.column,
                "value": p.value,
                "severity": p.severity.value,
                "code": p.reason.code,
                "message": say(p.reason, lang),
            }
            for p in register.problems
        ],
    }


def _criteria(nodes, lang: str) -> list[dict[str, Any]]:
    out = []
    for n in nodes:
        item = {
            "id": n.id,
            "label": pick(lang, n.label, n.label_en),
            "group": isinstance(n, A.Group),
            "citations": [_cite(c) for c in n.citations],
        }
        if isinstance(n, A.Group):
            item["children"] = _criteria(n.children, lang)
        else:
            item |= {"short": pick(lang, n.short, n.short_en) or None, "informative": n.informative}
        out.append(item)
    return out


def _cite(c: A.Citation) -> dict[str, Any]:
    return {"source": c.source, "section": c.section, "lines": [c.line_from, c.line_to]}


def report_json(
    reports: list[StandardReport], register: Register, rules_label: str, lang: str = "id"
) -> dict[str, Any]:
    """The whole run as data (masking, if asked for, is applied to the text that is written).
    The subjects' keys are `Keys` (sequences of texts): `json_text` writes them as DuckDB
    joined them; `json.dumps` needs `default=list`."""
    return {
        "schema_version": SCHEMA_VERSION,
        "rules": rules_label,
        "input": register_json(register, lang),
        "standards": [
            {
                "id": r.standard.id,
                "title": pick(lang, r.standard.header.title, r.standard.header.title_en),
                "regulation": r.standard.header.regulation,
                "version": r.standard.header.version,
                "period": {
                    "kind": r.period.kind,
                    "label": r.period.label,
                    "start": r.period.start.isoformat(),
                    "end": r.period.end.isoformat(),
                },
                "target": percent_plain(None if r.standard.target is None else Fraction(r.standard.target)),
                "target_reached": r.target_reached,
                "criteria": _criteria(r.standard.criteria, lang),
                "facilities": [_row(row, lang) for row in r.rows],
                "total": _row(r.total, lang),
                "out_of_period": r.out_of_period,
                "out_of_population": r.out_of_population,
            }
            for r in reports
        ],
    }


def _value(v: Any) -> Any:
    if isinstance(v, Missing):
        return None
    if isinstance(v, Decimal):
        return _num(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bool | int | float | str) or v is None:
        return v
    return value_text(v)


def _fact(f: Fact, lang: str) -> dict[str, Any]:
    # `text`: the fact in plain words; `label` keeps the rule's own text for maintainers
    out: dict[str, Any] = {
        "kind": f.kind,
        "text": fact_text(f, None, lang),
        "label": f.label,
        "value": _value(f.value),
    }
    if f.op is not None:
        out["op"] = f.op
    if f.other is not None:
        out["other"] = _value(f.other)
    if f.other2 is not None:
        out["other2"] = _value(f.other2)
    if f.total is not None:
        out["total"] = f.total
    if f.failing:
        out["failing"] = [str(r) for r in f.failing]
    return out


def _node(n: NodeResult, lang: str) -> dict[str, Any]:
    return {
        "id": n.id,
        "label": pick(lang, n.label, n.label_en),
        "status": n.status.value,
        "informative": n.informative,
        "not_recorded": [
            {"what": m.what, "code": m.code, "record": str(m.ref) if m.ref else None} for m in n.missing
        ],
        "facts": [_fact(f, lang) for f in n.facts],
        "records": [str(r) for r in n.evidence],
        "citations": [_cite(c) for c in n.citations],
        "notes": [n_.text for n_ in n.notes],
        "children": [_node(c, lang) for c in n.children],
    }


def verdict_json(std: A.Standard, v: Verdict, lang: str = "id") -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "standard": std.id,
        "subject": v.subject,
        "subject_record": str(v.subject_ref),
        "in_period": v.in_period,
        "in_population": v.in_population,
        "counted": v.counted,
        "facility": v.facility,
        "scope_facts": [_fact(f, lang) for f in v.scope_facts],
        "criteria": [_node(n, lang) for n in v.criteria],
        "records": [str(r) for r in v.evidence],
    }


def ledger_json(ledger, lang: str = "id") -> dict[str, Any]:
    tot = ledger.totals()
    return {
        "balanced": ledger.balanced,
        "used": tot["used"],
        "out_of_scope": tot["out_of_scope"],
        "rejected": tot["rejected"],
        "files": [
            {
                "file": f.file,
                "read": f.read,
                "used": f.used,
                "out_of_scope": f.out_of_scope,
                "rejected": f.rejected,
            }
            for f in ledger.files
        ],
        # files not read (`check --standard`): no chosen standard reads their kind
        "not_read": [_not_read(file, kind, lang) for file, kind in ledger.not_read],
    }


def _not_read(file: str, kind: str, lang: str) -> dict[str, Any]:
    reason = not_read_reason(kind)
    return {"file": file, "kind": kind, "code": reason.code, "message": say(reason, lang)}
