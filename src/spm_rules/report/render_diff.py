"""`spm-rules diff` rendered: a table per service with the counts under each rule set, and the
subjects whose verdict changed, each with the criteria responsible ("dihitung menurut 2016,
tidak menurut 2019: tanpa kunjungan KN3"). Text, JSON and a workbook."""

from __future__ import annotations

from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from .catalogue import facility_name, label, words
from .compare import ServiceDiff, State, SubjectChange
from .i18n import number, percent, percent_plain, pick
from .phrases import short_label
from .privacy import Privacy
from .render_text import criterion_labels
from .stamp import RuleSetStamp


def _version(stamp: RuleSetStamp) -> str:
    return stamp.version or stamp.name


def change_text(diff: ServiceDiff, c: SubjectChange, a: RuleSetStamp, b: RuleSetStamp, lang: str) -> str:
    """One sentence: what each set decided, and the criteria of the set that did not count."""
    before = diff.before.standard if diff.before else None
    after = diff.after.standard if diff.after else None

    def why(std, ids) -> str:
        labels = criterion_labels(std) if std is not None else {}
        return ", ".join(short_label(i, labels, lang) for i in ids)

    args = {"a": _version(a), "b": _version(b)}
    if c.before == State.COUNTED and c.after == State.NOT_COUNTED:
        return words("diff.lost", lang, why=why(after, c.failed_after), **args)
    if c.before == State.NOT_COUNTED and c.after == State.COUNTED:
        return words("diff.gained", lang, why=why(before, c.failed_before), **args)
    return words(
        "diff.scope",
        lang,
        before=label(f"state.{c.before.value}", lang),
        after=label(f"state.{c.after.value}", lang),
        why=why(after, c.failed_after) or why(before, c.failed_before) or "-",
        **args,
    )


def render_diff_text(
    out: Console, diffs: list[ServiceDiff], a: RuleSetStamp, b: RuleSetStamp, lang: str, shown: int = 20
) -> None:
    out.print(Text(words("diff.title", lang, a=a.line(lang), b=b.line(lang)), style="bold"))
    for stamp in (a, b):
        if stamp.provisional:
            out.print(f"{stamp.name}: {label('provisional_banner', lang)}", style="bold yellow", markup=False)
    for d in diffs:
        std = d.standard
        out.print()
        out.print(Text(f"{std.id} · {pick(lang, std.header.title, std.header.title_en)}", style="bold"))
        if d.before is None or d.after is None:
            missing_in = _version(a) if d.before is None else _version(b)
            out.print(words("diff.only_one", lang, version=missing_in), markup=False)
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        table.add_column(label("facility", lang))
        for stamp in (a, b):
            v = _version(stamp)
            table.add_column(f"{label('sasaran', lang)} {v}", justify="right")
            table.add_column(f"{label('served', lang)} {v}", justify="right")
            table.add_column(f"{label('capaian', lang)} {v}", justify="right")
        table.add_column(label("diff.delta", lang), justify="right")
        rows = [*d.rows, d.total] if d.total is not None else d.rows
        for r in rows:
            cells = [facility_name(r.facility, lang)]
            for row in (r.before, r.after):
                cells += (
                    [number(row.denominator, lang), number(row.numerator, lang), percent(row.capaian, lang)]
                    if row is not None
                    else ["—", "—", "—"]
                )
            nb = r.before.numerator if r.before else 0
            na = r.after.numerator if r.after else 0
            cells.append(f"{na - nb:+d}")
            table.add_row(*cells, style="bold" if r.facility == "*" else None)
        out.print(table)
        if not d.changes:
            out.print(words("diff.no_changes", lang), markup=False)
            continue
        out.print(words("diff.changes", lang, n=len(d.changes)), markup=False)
        for c in d.changes[:shown]:
            where = facility_name(c.facility or "?", lang)
            out.print(f"  {c.subject} ({where}): {change_text(d, c, a, b, lang)}", markup=False)
        if len(d.changes) > shown:
            out.print(words("diff.more", lang, n=len(d.changes) - shown), markup=False)


def _row_json(row) -> dict | None:
    if row is None:
        return None
    return {
        "denominator": None if row.denominator is None else float(row.denominator),
        "subjects": row.subjects,
        "numerator": row.numerator,
        "capaian_percent": percent_plain(row.capaian),
    }


def diff_json(diffs: list[ServiceDiff], a: RuleSetStamp, b: RuleSetStamp, period: str, lang: str) -> dict:
    return {
        "schema_version": 1,
        "period": period,
        "from": a.as_json(),
        "to": b.as_json(),
        "services": [
            {
                "standard": d.standard.id,
                "in_from": d.before is not None,
                "in_to": d.after is not None,
                "facilities": [
                    {"facility": r.facility, "from": _row_json(r.before), "to": _row_json(r.after)}
                    for r in ([*d.rows, d.total] if d.total else d.rows)
                ],
                "changes": [
                    {
                        "subject": c.subject,
                        "facility": c.facility,
                        "from": c.before.value,
                        "to": c.after.value,
                        "failed_from": list(c.failed_before),
                        "failed_to": list(c.failed_after),
                        "text": change_text(d, c, a, b, lang),
                        "record": str(c.ref) if c.ref else None,
                    }
                    for c in d.changes
                ],
            }
            for d in diffs
        ],
    }


def write_diff_xlsx(
    path: Path,
    diffs: list[ServiceDiff],
    a: RuleSetStamp,
    b: RuleSetStamp,
    lang: str,
    privacy: Privacy,
) -> None:
    from openpyxl import Workbook

    from .render_xlsx import _Sheet, save_reproducibly

    wb = Workbook()
    va, vb = _version(a), _version(b)
    counts = _Sheet(
        wb.active,
        privacy,
        [label("standard", lang), label("facility", lang),
         f"{label('sasaran', lang)} {va}", f"{label('served', lang)} {va}", f"{label('capaian', lang)} {va}",
         f"{label('sasaran', lang)} {vb}", f"{label('served', lang)} {vb}", f"{label('capaian', lang)} {vb}",
         label("diff.delta", lang)],
        [18, 28, 12, 14, 12, 12, 14, 12, 10],
    )  # fmt: skip
    wb.active.title = label("sheet.summary", lang)
    for d in diffs:
        for r in [*d.rows, d.total] if d.total else d.rows:
            cells: list = [d.standard.id, facility_name(r.facility, lang)]
            for row in (r.before, r.after):
                cells += (
                    [None if row.denominator is None else float(row.denominator), row.numerator, row.capaian]
                    if row is not None
                    else [None, None, None]
                )
            nb = r.before.numerator if r.before else 0
            na = r.after.numerator if r.after else 0
            counts.row([*cells, na - nb], bold=r.facility == "*", percent_cols=(5, 8))
    counts.finish()
    changes = _Sheet(
        wb.create_sheet(label("diff.sheet_changes", lang)),
        privacy,
        [label("standard", lang), label("facility", lang), label("subject", lang), va, vb,
         label("remarks", lang), label("source_rows", lang)],
        [18, 28, 24, 16, 16, 90, 50],
    )  # fmt: skip
    for d in diffs:
        for c in d.changes:
            changes.row(
                [d.standard.id, facility_name(c.facility or "?", lang), c.subject,
                 label(f"state.{c.before.value}", lang), label(f"state.{c.after.value}", lang),
                 change_text(d, c, a, b, lang), str(c.ref) if c.ref else ""]
            )  # fmt: skip
    changes.finish()
    rules = _Sheet(wb.create_sheet(label("rules", lang)), privacy, [label("rules", lang), ""], [20, 110])
    for stamp in (a, b):
        rules.row([_version(stamp), stamp.line(lang)], bold=True)
        if stamp.provisional:
            rules.row(["", label("provisional_banner", lang)])
        for name, lab, value in stamp.params:
            rules.row([f"{label('params', lang)}: {name}", f"{value} — {lab}"])
    rules.finish()
    save_reproducibly(wb, path)
