"""A self-contained HTML report for auditors: one file that opens offline on any laptop.

No network, no CDN: the style, the few lines of script (sorting, filtering, opening a subject)
and the charts (inline SVG) are in the file. Per standard: the Juknis table (Fasilitas, Sasaran,
Tercatat, Sesuai standar, Capaian, Keterangan), capaian against the target as a bar chart, and
every subject not counted with its explanation one click away. At the top, the run's provenance:
rule set and version, period, time, and the SHA-256 of every input file. Masking, when asked
for, is applied by the caller to the whole text (the one privacy policy).
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from ..engine.verdict import Verdict
from .aggregate import StandardReport, failed_ids
from .catalogue import facility_name, label, say, words
from .i18n import number, percent, pick
from .ledger import not_read_reason
from .phrases import verdict_words
from .render_text import criterion_labels, denominator_source_text, left_out_lines, remarks
from .stamp import RuleSetStamp

ASSETS = Path(__file__).resolve().parent / "assets"  # style and script, embedded in every report


def _e(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _chart(report: StandardReport, lang: str) -> str:
    """Capaian per facility as horizontal bars, with the target as a line (inline SVG)."""
    rows = [*report.rows, report.total]
    bar_h, gap, left, width = 18, 6, 170, 420
    height = len(rows) * (bar_h + gap) + 24
    target = report.standard.target
    parts = [
        f'<svg class="chart" role="img" width="{left + width + 80}" height="{height}" '
        f'aria-label="{_e(label("capaian", lang))}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, row in enumerate(rows):
        y = i * (bar_h + gap) + 4
        cap = row.capaian
        share = 0.0 if cap is None else float(min(cap, Fraction(1)))
        colour = "#0b5d54" if row is not report.total else "#e07a1f"
        name = facility_name(row.facility, lang)
        parts.append(
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" font-size="12">{_e(name)}</text>'
            f'<rect x="{left}" y="{y}" width="{width}" height="{bar_h}" fill="#eef3f5"/>'
            f'<rect class="bar" x="{left}" y="{y}" width="{share * width:.1f}" height="{bar_h}" '
            f'fill="{colour}"/>'
            f'<text x="{left + width + 6}" y="{y + 13}" font-size="12">{_e(percent(cap, lang))}</text>'
        )
    if target is not None:
        x = left + float(min(Fraction(target), Fraction(1))) * width
        parts.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 16}" stroke="#c0392b" '
            'stroke-dasharray="4 3"/>'
            f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle" font-size="11" fill="#c0392b">'
            f"{_e(label('target', lang))} {_e(percent(Fraction(target), lang))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(report: StandardReport, lang: str, tid: str) -> str:
    std = report.standard
    head = [
        (label("facility", lang), ""),
        (label("sasaran", lang), "num"),
        (label("recorded", lang), "num"),
        (label("served", lang), "num"),
        (label("capaian", lang), "num"),
        (label("remarks", lang), ""),
    ]
    out = [f'<table id="{tid}"><thead><tr>']
    out += [f'<th class="{cls}">{_e(text)}</th>' for text, cls in head]
    out.append("</tr></thead><tbody>")
    for row, is_total in [*((r, False) for r in report.rows), (report.total, True)]:
        cap = row.capaian
        out.append(f'<tr class="{"total" if is_total else ""}">')
        out.append(f"<td>{_e(facility_name(row.facility, lang))}</td>")
        denominator = "" if row.denominator is None else float(row.denominator)
        out.append(f'<td class="num" data-v="{denominator}">{_e(number(row.denominator, lang))}</td>')
        out.append(f'<td class="num" data-v="{row.subjects}">{_e(number(row.subjects, lang))}</td>')
        out.append(f'<td class="num" data-v="{row.numerator}">{_e(number(row.numerator, lang))}</td>')
        share = "" if cap is None else f"{float(cap):.6f}"
        out.append(f'<td class="num" data-v="{share}">{_e(percent(cap, lang))}</td>')
        out.append(f"<td>{_e(remarks(row, std, lang, is_total, report))}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _subject_id(std_id: str, v: Verdict) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in v.subject)
    return f"s-{std_id}-{safe}-{v.subject_ref.line}"


def _words_with_left_out(std, v: Verdict, lang: str) -> list[str]:
    lines = verdict_words(v, lang)
    left_out = left_out_lines(std, v, lang)
    return lines + ([f"{words('say.left_out', lang)}:"] + [f"  {x}" for x in left_out] if left_out else [])


def _not_counted(report: StandardReport, lang: str) -> str:
    std = report.standard
    labels = criterion_labels(std)
    missing = [v for v in report.verdicts if v.in_population and not v.counted]
    if not missing:
        return ""
    word = label("counted_no", lang)
    out = [f'<details class="subjects"><summary>{_e(word)}: {len(missing)}</summary>']
    links = []
    for v in missing:
        sid = _subject_id(std.id, v)
        failed = ", ".join(
            pick(lang, labels[c]["short"], labels[c]["short_en"]) or c for c in failed_ids(v.criteria)
        )
        links.append(
            f'<details class="subject" id="{sid}"><summary>'
            f'<a class="to-subject" href="#{sid}">{_e(v.subject)}</a> · '
            f"{_e(v.facility or '')} — {_e(failed)}</summary>"
            f"<pre>{_e(chr(10).join(_words_with_left_out(std, v, lang)))}</pre>"
            f'<div class="src">{_e(label("records", lang))}: {_e(str(v.subject_ref))}</div></details>'
        )
    out += links
    out.append("</details>")
    return "".join(out)


def render_html(
    reports: list[StandardReport],
    stamp: RuleSetStamp,
    rule_set_header,
    inputs: tuple[tuple[str, str], ...],
    lang: str = "id",
    not_read: Sequence[tuple[str, str]] = (),
) -> str:
    """The whole report as one HTML document (str); `not_read`: the files left unread, each
    with its kind (`Register.not_read`), named beside the inputs."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")  # reproducible builds fix the time shown
    when = (
        dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        if epoch and epoch.isdigit()
        else dt.datetime.now(dt.UTC)
    ).strftime("%Y-%m-%d %H:%M UTC")
    title = "Laporan SPM Bidang Kesehatan" if lang != "en" else "SPM health report"
    period = reports[0].period.label if reports else "—"
    why = " · ".join(stamp.why(lang))
    parts = [
        f'<!DOCTYPE html><html lang="{_e(lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)} · {_e(period)}</title>",
        f"<style>{(ASSETS / 'report.css').read_text(encoding='utf-8')}</style></head><body>",
        f"<header><h1>{_e(title)}</h1><div class='prov'>",
        f"{_e(label('rules', lang))}: {_e(stamp.line(lang))}{_e(' — ' + why) if why else ''} · "
        f"{_e(label('period', lang))}: {_e(period)} · {_e(when)}</div>",
    ]
    if stamp.provisional:
        parts.append(f"<div class='warn provisional'>{_e(label('provisional_banner', lang))}</div>")
    if stamp.params:
        parts.append(f"<details><summary>{_e(label('params', lang))} ({len(stamp.params)})</summary>")
        parts += [f"<div><code>{_e(n)} = {_e(v)}</code> {_e(lab)}</div>" for n, lab, v in stamp.params]
        parts.append("</details>")
    if not stamp.in_force:
        parts.append(f"<div class='warn'>{_e(label('not_in_force', lang))} {_e(period)}</div>")
    parts.append(f"<details><summary>{_e(label('inputs', lang))} ({len(inputs)})</summary>")
    parts += [f"<div><code>{_e(digest[:16])}…</code> {_e(name)}</div>" for name, digest in inputs]
    parts.append("</details>")
    if not_read:
        parts.append(f"<details><summary>{_e(label('not_read_files', lang))} ({len(not_read)})</summary>")
        for name, kind in not_read:
            reason = say(not_read_reason(kind), lang)
            parts.append(f"<div>{_e(name)} — {_e(reason)}</div>")
        parts.append("</details>")
    parts.append("</header><main><nav>")
    parts += [f'<a href="#std-{_e(r.standard.id)}">{_e(r.standard.id)}</a>' for r in reports]
    parts.append("</nav>")
    for r in reports:
        std = r.standard
        tid = f"t-{std.id}"
        std_title = pick(lang, std.header.title, std.header.title_en)
        parts.append(f'<section class="std" id="std-{_e(std.id)}"><h2>{_e(std_title)}</h2>')
        parts.append(
            f"<div class='meta'>{_e(std.id)} · {_e(std.header.regulation or '')} · "
            f"{_e(label('period', lang))} {_e(r.period.label)}</div>"
        )
        parts.append(_chart(r, lang))
        parts.append(
            f'<input class="filter" data-table="{tid}" placeholder="{_e(label("filter", lang))}" '
            f'aria-label="{_e(label("filter", lang))}">'
        )
        parts.append(_table(r, lang, tid))
        sources = dict.fromkeys(denominator_source_text(row, lang) for row in [*r.rows, r.total])
        parts.append(f"<div class='src'>{_e(label('source', lang))}: {_e(' · '.join(sources))}</div>")
        parts.append(_not_counted(r, lang))
        parts.append("</section>")
    script = (ASSETS / "report.js").read_text(encoding="utf-8")
    parts.append(f"</main><script>{script}</script></body></html>\n")
    return "".join(parts)
