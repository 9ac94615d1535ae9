"""Excel output in the shapes people already use, for data officers who work in Excel.

Sheets:
- "Ringkasan": one row per service, in the shape of the city report's Tabel 3.4 — indicator,
  target, realisasi (capaian against the sasaran), capaian of the target — with sasaran and
  the number served;
- one sheet per service, in the shape of the Juknis tables: Fasilitas, Sasaran, Tercatat,
  Sesuai standar, Capaian, Keterangan, Sumber penyebut, with the total row;
- "Subjek": the drill-down — every subject in the population, counted or not, the criteria it
  failed and the source rows behind them.
Headers are frozen and filtered; numbers are numbers and percentages are percentage cells
computed from the exact fractions; text a spreadsheet would read as a formula stays text.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from fractions import Fraction
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..engine.verdict import NodeResult, Status
from .aggregate import Row, StandardReport, failed_ids
from .catalogue import facility_name, label
from .i18n import pick
from .phrases import short_label
from .privacy import Privacy
from .render_text import criterion_labels, denominator_source_text, remarks
from .stamp import RuleSetStamp

_BOLD = Font(bold=True)
_PERCENT = "0.00%"


class _Sheet:
    """One worksheet written row by row: text as text (masked as asked), numbers as numbers."""

    def __init__(self, ws, privacy: Privacy, headers: list[str], widths: list[int]):
        self.ws, self.privacy, self.r = ws, privacy, 1
        for col, name in enumerate(headers, start=1):
            self.ws.cell(row=1, column=col, value=name).font = _BOLD
            self.ws.column_dimensions[get_column_letter(col)].width = widths[col - 1]
        self.ws.freeze_panes = "A2"
        self.columns = len(headers)

    def row(self, values: list, bold: bool = False, percent_cols: tuple[int, ...] = ()) -> None:
        self.r += 1
        for col, value in enumerate(values, start=1):
            cell = self.ws.cell(row=self.r, column=col)
            if isinstance(value, str):
                cell.value = self.privacy.text(value)
                cell.data_type = TYPE_STRING
            elif isinstance(value, Fraction):
                cell.value = float(value)
            else:
                cell.value = value
            if col in percent_cols:
                cell.number_format = _PERCENT
            if bold:
                cell.font = _BOLD

    def finish(self) -> None:
        last = get_column_letter(self.columns)
        self.ws.auto_filter.ref = f"A1:{last}{max(self.r, 1)}"


def _number(value) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == int(value) else float(value)


def _sheet_title(std_id: str, used: set[str]) -> str:
    title = std_id[:31]
    n = 2
    while title in used:
        title = f"{std_id[:28]}~{n}"
        n += 1
    used.add(title)
    return title


def _failed_refs(nodes: tuple[NodeResult, ...]) -> list[str]:
    out: list[str] = []
    for node in nodes:
        if node.status == Status.NOT_MET and not node.informative:
            out += [str(r) for r in node.evidence]
            out += _failed_refs(node.children)
    return out


def write_xlsx(
    path: Path,
    reports: list[StandardReport],
    lang: str,
    privacy: Privacy | None = None,
    stamp: RuleSetStamp | None = None,
) -> None:
    privacy = privacy or Privacy()
    wb = Workbook()
    summary = _Sheet(
        wb.active,
        privacy,
        [label("standard", lang), label("indicator", lang), label("sasaran", lang), label("served", lang),
         label("target", lang).capitalize(), label("realisasi", lang), label("capaian_target", lang)],
        [18, 60, 12, 14, 10, 12, 16],
    )  # fmt: skip
    wb.active.title = label("sheet.summary", lang)
    used = {wb.active.title, label("sheet.subjects", lang)}
    for report in reports:
        std = report.standard
        total = report.total
        target = None if std.target is None else Fraction(std.target)
        realised = total.capaian
        of_target = realised / target if realised is not None and target else None
        summary.row(
            [std.id, pick(lang, std.header.title, std.header.title_en), _number(total.denominator),
             total.numerator, target, realised, of_target],
            percent_cols=(5, 6, 7),
        )  # fmt: skip
        sheet = _Sheet(
            wb.create_sheet(_sheet_title(std.id, used)),
            privacy,
            [label("facility", lang), label("sasaran", lang), label("recorded", lang), label("served", lang),
             label("capaian", lang), label("remarks", lang), label("source", lang)],
            [28, 12, 12, 14, 12, 80, 50],
        )  # fmt: skip
        rows: list[tuple[Row, bool]] = [(r, False) for r in report.rows] + [(total, True)]
        for row, is_total in rows:
            sheet.row(
                [facility_name(row.facility, lang), _number(row.denominator), row.subjects, row.numerator,
                 row.capaian, remarks(row, std, lang, is_total, report), denominator_source_text(row, lang)],
                bold=is_total,
                percent_cols=(5,),
            )  # fmt: skip
        sheet.finish()
    summary.finish()
    subjects = _Sheet(
        wb.create_sheet(label("sheet.subjects", lang)),
        privacy,
        [label("standard", lang), label("facility", lang), label("subject", lang), label("served", lang),
         label("remarks", lang), label("info", lang).capitalize(), label("source_rows", lang)],
        [18, 28, 24, 14, 70, 40, 80],
    )  # fmt: skip
    for report in reports:
        labels = criterion_labels(report.standard)
        for v in report.verdicts:
            if not v.in_population:
                continue
            reasons = ", ".join(short_label(c, labels, lang) for c in failed_ids(v.criteria))
            info = ", ".join(short_label(c, labels, lang) for c in failed_ids(v.criteria, informative=True))
            sources = (
                "" if v.counted else "; ".join(dict.fromkeys([str(v.subject_ref), *_failed_refs(v.criteria)]))
            )
            subjects.row(
                [report.standard.id, facility_name(v.facility or "?", lang), v.subject,
                 label("yes" if v.counted else "no", lang), reasons, info, sources]
            )  # fmt: skip
    subjects.finish()
    if stamp is not None:
        _rules_sheet(wb, stamp, lang, privacy)
    save_reproducibly(wb, path)


def _rules_sheet(wb: Workbook, stamp: RuleSetStamp, lang: str, privacy: Privacy) -> None:
    """Which rules produced the numbers; a provisional set's sheet opens first, in red."""
    sheet = _Sheet(
        wb.create_sheet(label("rules", lang), 0 if stamp.provisional else None),
        privacy,
        [label("rules", lang), ""],
        [28, 110],
    )
    if stamp.provisional:
        sheet.row([label("status_provisional", lang), label("provisional_banner", lang)], bold=True)
        sheet.ws.sheet_properties.tabColor = "C00000"
        wb.active = 0
    sheet.row([label("rule_set", lang), stamp.line(lang)])
    for why in stamp.why(lang):
        sheet.row(["", why])
    for name, lab, value in stamp.params:
        sheet.row([f"{label('params', lang)}: {name}", f"{value} — {lab}"])
    sheet.finish()


# a fixed moment for the workbook's own dates and its zip entries: the same results give the
# same bytes (SOURCE_DATE_EPOCH, when set, names the moment instead)
_FIXED = dt.datetime(2000, 1, 1)


def save_reproducibly(wb: Workbook, path: Path) -> None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        dt.datetime.fromtimestamp(int(epoch), dt.UTC).replace(tzinfo=None)
        if epoch and epoch.isdigit()
        else _FIXED
    )
    wb.properties.created = wb.properties.modified = moment
    buffer = io.BytesIO()
    wb.save(buffer)
    with (
        zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as zin,
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the time of saving
                stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            fixed = zipfile.ZipInfo(info.filename, date_time=moment.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            zout.writestr(fixed, data)
