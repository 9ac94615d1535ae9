"""Terminal rendering: the SPM table per standard, and one subject's verdict tree."""

from __future__ import annotations

from fractions import Fraction

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..engine.verdict import NodeResult, Status, Verdict
from ..lang import ast as A
from ..model import Register
from .aggregate import Row, StandardReport
from .catalogue import facility_name, problem_text, words
from .i18n import number, percent, pick, t
from .phrases import SYMBOL, cite_text, fact_text, missing_text, node_label, node_reason, short_label
from .words import expr_words


def criterion_labels(std: A.Standard) -> dict[str, dict]:
    return {
        n.id: {
            "label": n.label,
            "label_en": n.label_en,
            "short": getattr(n, "short", None),
            "short_en": getattr(n, "short_en", None),
        }
        for n in A.iter_nodes(std.criteria)
    }


def remarks(
    row: Row, std: A.Standard, lang: str, is_total: bool = False, report: StandardReport | None = None
) -> str:
    labels = criterion_labels(std)
    parts = [f"{n} {short_label(cid, labels, lang)}" for cid, n in row.failing.most_common()]
    if row.without_records:
        parts.append(f"{number(row.without_records, lang)} {t(lang, 'no_records')}")
    info = [f"{n} {short_label(cid, labels, lang)}" for cid, n in row.informative.most_common()]
    if info:
        parts.append(f"{t(lang, 'info')}: " + ", ".join(info))
    if is_total and report is not None and std.target is not None:
        reached = report.target_reached
        if reached is not None:
            word = t(lang, "reached") if reached else t(lang, "not_reached")
            target = percent(Fraction(std.target), lang)
            parts.append(f"{t(lang, 'target')} {target} — {word}")
    return " · ".join(parts)


def denominator_source_text(row: Row, lang: str) -> str:
    if row.source is None:
        return "—"
    kind = row.source.kind
    if kind == "counted":
        return t(lang, "counted")
    if kind == "sum":
        return t(lang, "sum")
    refs = ", ".join(str(r) for r in row.source.refs)
    label = t(lang, "sasaran_src") if kind == "sasaran" else t(lang, "estimate")
    return f"{label}: {row.source.expr} ({refs})"


def render_report(
    console: Console,
    report: StandardReport,
    lang: str,
    rules_label: str,
    in_force: bool,
) -> None:
    std = report.standard
    h = std.header
    title = pick(lang, h.title, h.title_en)
    reg = f" ({h.regulation})" if h.regulation else ""
    console.print(Text(f"{std.id} · {title}{reg}", style="bold"))
    console.print(f"{t(lang, 'period')}: {report.period.label} · {t(lang, 'rules')}: {rules_label}")
    if not in_force:
        console.print(Text(f"{t(lang, 'not_in_force')} {report.period.label}", style="yellow"))
    table = Table(box=box.SIMPLE_HEAD, show_footer=False, pad_edge=False)
    table.add_column(t(lang, "facility"))
    table.add_column(t(lang, "sasaran"), justify="right")
    table.add_column(t(lang, "recorded"), justify="right")
    table.add_column(t(lang, "served"), justify="right")
    table.add_column(t(lang, "capaian"), justify="right")
    table.add_column(t(lang, "remarks"), overflow="fold")
    for row in report.rows:
        table.add_row(
            facility_name(row.facility, lang),
            number(row.denominator, lang),
            number(row.subjects, lang),
            number(row.numerator, lang),
            percent(row.capaian, lang),
            remarks(row, std, lang),
        )
    tot = report.total
    table.add_section()
    table.add_row(
        Text(t(lang, "total"), style="bold"),
        number(tot.denominator, lang),
        number(tot.subjects, lang),
        number(tot.numerator, lang),
        percent(tot.capaian, lang),
        remarks(tot, std, lang, True, report),
    )
    console.print(table)
    sources = {}
    for row in [*report.rows, tot]:
        sources.setdefault(denominator_source_text(row, lang), []).append(facility_name(row.facility, lang))
    for text, facs in sources.items():
        who = ", ".join(facs) if len(facs) <= 4 else words("say.rows_of", lang, n=len(facs))
        console.print(f"{t(lang, 'source')} ({who}): {text}")
    extra = []
    if report.out_of_period:
        extra.append(f"{report.out_of_period} {t(lang, 'out_period')}")
    if report.out_of_population:
        extra.append(f"{report.out_of_population} {t(lang, 'out_pop')}")
    if extra:
        label = pick(lang, std.subject_label, std.subject_label) or std.subject_kind
        console.print(f"{label}: " + ", ".join(extra))
    console.print()


def _whole_file(p) -> bool:
    """A problem that concerns a whole file (refused, unreadable, past a limit): no column, no
    value, at the top of the file."""
    return p.severity == "error" and p.column is None and p.value is None and p.line <= 1


def render_input_summary(console: Console, register: Register, lang: str, shown: int | None = 50) -> None:
    """Rows read and rejected, and the data problems (the first `shown`, or all for None; a
    problem with a whole file is listed whatever `shown` says: its rows are not counted at all)."""
    read, rejected = register.rows_read, register.rows_rejected
    console.print(f"{number(read, lang)} {t(lang, 'rows')}, {number(rejected, lang)} {t(lang, 'rejected')}.")
    if register.problems:
        console.print(Text(f"{t(lang, 'problems')}:", style="bold"))
        listed = register.problems if shown is None else register.problems[:shown]
        listed = listed + [p for p in register.problems[len(listed) :] if _whole_file(p)]
        for p in listed:
            style = "red" if p.severity == "error" else "yellow"
            console.print(Text(f"  {problem_text(p, lang)}", style=style))
        if len(listed) < len(register.problems):
            console.print(f"  … {len(register.problems) - len(listed)} (--verbose)")


# ---- explain -------------------------------------------------------------------------------


def render_explain(
    console: Console,
    std: A.Standard,
    v: Verdict,
    lang: str,
    notes: bool = True,
    raw: bool = False,
) -> None:
    """One subject's verdict tree, in plain words (`raw`: with the rules' own conditions)."""
    subject = v.subject
    label = std.subject_label or std.subject_kind
    if not v.in_period:
        status = f"{t(lang, 'outside')}: {t(lang, 'out_period')}"
    elif not v.in_population:
        status = f"{t(lang, 'outside')}: {t(lang, 'out_pop')}"
    else:
        status = t(lang, "counted_yes") if v.counted else t(lang, "counted_no")
    fac = f" · {t(lang, 'facility')}: {v.facility}" if v.facility else ""
    console.print(Text(f"{label} {subject} — {status}{fac}", style="bold"))
    title = pick(lang, std.header.title, std.header.title_en)
    console.print(f"{std.id} · {title} {cite_text(std.header.citations, lang)}")
    for f in v.scope_facts:
        console.print(f"  · {fact_text(f, None, lang, raw)}")
    for m in v.scope_missing:
        console.print(f"  · {missing_text(m, lang)}")
    for node in v.criteria:
        _explain_node(console, node, lang, 1, notes, raw)
    left_out = left_out_lines(std, v, lang, raw)
    if left_out:
        console.print(f"  {words('say.left_out', lang)}:")
        for line in left_out:
            console.print(Text(f"    {line}", style="dim"))
    refs = sorted({*v.evidence, *(r for n in v.criteria for r in _all_refs(n))})
    if refs:
        console.print(f"  {t(lang, 'records')}: {_refs_text(refs, lang, limit=None)}")


def left_out_lines(std: A.Standard, v: Verdict, lang: str, raw: bool = False) -> list[str]:
    """Records a named collection of the rules left out (visits without an STR …): each named,
    with its date and place and the condition it did not meet."""
    labels = {let.name: let.label or let.name.replace("_", " ") for let in std.lets}
    out: list[str] = []
    for ref, why in v.excluded:
        if not (v.in_population and why.code == "engine.filter" and why.arg("collection") in labels):
            continue
        when = ", ".join(str(x) for x in (why.arg("date"), why.arg("facility")) if x)
        condition = why.arg("condition") if raw else expr_words(why.arg("where"), lang)
        out.append(
            words(
                "say.left_out_record", lang, ref=f"{ref.file} {t(lang, 'line_one')} {ref.line}",
                when=f" ({when})" if when else "", collection=labels[why.arg("collection")], words=condition,
            )
        )  # fmt: skip
    return out


def _refs_text(refs, lang: str, limit: int | None = 12) -> str:
    """`file baris 3, 4, 9; other.csv baris 2` — each file named once."""
    by_file: dict[str, list[int]] = {}
    for r in refs:
        by_file.setdefault(r.file, []).append(r.line)
    word = t(lang, "lines")
    parts = []
    for file, lines in by_file.items():
        shown = lines if limit is None else lines[:limit]
        more = f" (+{len(lines) - len(shown)})" if len(shown) < len(lines) else ""
        parts.append(f"{file} {word} {', '.join(map(str, shown))}{more}")
    return "; ".join(parts)


def _all_refs(node: NodeResult):
    yield from node.evidence
    for c in node.children:
        yield from _all_refs(c)


def _explain_node(console: Console, node: NodeResult, lang: str, depth: int, notes: bool, raw: bool) -> None:
    pad = "  " * depth
    sym = SYMBOL[node.status]
    style = {Status.MET: "green", Status.NOT_MET: "red"}.get(node.status, "dim")
    info = f" ({t(lang, 'info')})" if node.informative else ""
    head = Text(f"{pad}{sym} {node_label(node, lang)}{info}", style=style)
    cite = cite_text(node.citations, lang)
    if node.is_group:
        console.print(head + Text(f"  {cite}", style="dim"))
        for m in node.missing:
            console.print(f"{pad}    {missing_text(m, lang)}")
        for child in node.children:
            _explain_node(console, child, lang, depth + 1, notes, raw)
        return
    reason = node_reason(node, lang, raw)
    if node.status == Status.NOT_APPLICABLE and not reason:
        reason = t(lang, "not_applicable")
    console.print(head + Text(f"  {cite}", style="dim"))
    if reason:
        console.print(f"{pad}    {reason}")
    if node.evidence:
        console.print(Text(f"{pad}    ← {_refs_text(node.evidence, lang)}", style="dim"))
    if notes and node.status != Status.MET:
        for n in node.notes:
            console.print(Text(f"{pad}    {t(lang, 'note')}: {n.text}", style="dim italic"))


# ---- ledger and validation -----------------------------------------------------------------


def render_ledger_summary(console: Console, ledger, lang: str) -> None:
    """`N baris dibaca: U dipakai, O di luar cakupan, R ditolak`, in total and per file."""
    tot = ledger.totals()
    read = sum(f.read for f in ledger.files)
    head = words(
        "say.ledger_head",
        lang,
        read=number(read, lang),
        used=number(tot["used"], lang),
        out=number(tot["out_of_scope"], lang),
        rejected=number(tot["rejected"], lang),
    )
    console.print(head, markup=False)
    for f in ledger.files:
        console.print(
            f"  {f.file}: {number(f.read, lang)} = {number(f.used, lang)} + "
            f"{number(f.out_of_scope, lang)} + {number(f.rejected, lang)}",
            markup=False,
        )
    if ledger.not_read:
        files = ", ".join(file for file, _kind in ledger.not_read)
        console.print(words("say.not_read", lang, count=len(ledger.not_read), files=files), markup=False)


def render_validation(console: Console, register: Register, lang: str) -> None:
    for p in register.problems:
        style = "red" if p.severity == "error" else "yellow"
        console.print(Text(problem_text(p, lang), style=style))
    for f in register.files:
        line = words(
            "say.file_counts",
            lang,
            file=f.file,
            kind=f.kind or "?",
            read=f.rows_read,
            rejected=f.rows_rejected,
            duplicate=f.rows_duplicate,
        )
        console.print(line, markup=False)
    errors = sum(1 for p in register.problems if p.severity == "error")
    warnings = len(register.problems) - errors
    total = words(
        "say.validation_total",
        lang,
        read=register.rows_read,
        rejected=register.rows_rejected,
        errors=errors,
        warnings=warnings,
    )
    console.print(total, markup=False)
