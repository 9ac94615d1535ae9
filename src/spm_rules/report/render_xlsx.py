"""Excel output: the SPM tables and the subjects behind every count, for people who work in Excel.

Sheets: "Ringkasan" (one row per standard and facility, with the total), "Subjek" (every subject
in the population: counted or not, and the criteria it failed). Numbers are numbers, capaian is a
percentage cell computed from the exact fraction; text that a spreadsheet would read as a formula
is written as text.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .aggregate import Row, StandardReport, failed_ids
from .catalogue import facility_name
from .i18n import pick, t
from .phrases import short_label
from .privacy import Privacy
from .render_text import criterion_labels, denominator_source_text, remarks

_BOLD = Font(bold=True)


def _text_cell(ws, row: int, col: int, value: str, privacy: Privacy) -> None:
    """A cell that holds the text as typed, even when it starts with '=' (masked as asked)."""
    cell = ws.cell(row=row, column=col)
    cell.value = privacy.text(value)
    cell.data_type = TYPE_STRING


def _header(ws, names: list[str]) -> None:
    for col, name in enumerate(names, start=1):
        ws.cell(row=1, column=col, value=name).font = _BOLD
    ws.freeze_panes = "A2"


def _widths(ws, widths: list[int]) -> None:
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def _summary_row(
    ws,
    r: int,
    std_id: str,
    title: str,
    row: Row,
    text: str,
    source: str,
    total: bool,
    privacy: Privacy,
    lang: str,
) -> None:
    _text_cell(ws, r, 1, std_id, privacy)
    _text_cell(ws, r, 2, title, privacy)
    _text_cell(ws, r, 3, facility_name(row.facility, lang), privacy)
    ws.cell(row=r, column=4, value=float(row.denominator) if row.denominator is not None else None)
    ws.cell(row=r, column=5, value=row.subjects)
    ws.cell(row=r, column=6, value=row.numerator)
    cap = row.capaian
    cell = ws.cell(row=r, column=7, value=float(cap) if cap is not None else None)
    cell.number_format = "0.00%"
    _text_cell(ws, r, 8, text, privacy)
    _text_cell(ws, r, 9, source, privacy)
    if total:
        for col in range(1, 10):
            ws.cell(row=r, column=col).font = _BOLD


def write_xlsx(path: Path, reports: list[StandardReport], lang: str, privacy: Privacy | None = None) -> None:
    privacy = privacy or Privacy()
    wb = Workbook()
    ws = wb.active
    ws.title = t(lang, "sheet.summary")
    _header(
        ws,
        [
            t(lang, "standard"),
            t(lang, "title"),
            t(lang, "facility"),
            t(lang, "sasaran"),
            t(lang, "recorded"),
            t(lang, "served"),
            t(lang, "capaian"),
            t(lang, "remarks"),
            t(lang, "source"),
        ],
    )
    r = 2
    for report in reports:
        std = report.standard
        title = pick(lang, std.header.title, std.header.title_en)
        for row in report.rows:
            _summary_row(
                ws,
                r,
                std.id,
                title,
                row,
                remarks(row, std, lang),
                denominator_source_text(row, lang),
                False,
                privacy,
                lang,
            )
            r += 1
        _summary_row(
            ws,
            r,
            std.id,
            title,
            report.total,
            remarks(report.total, std, lang, True, report),
            denominator_source_text(report.total, lang),
            True,
            privacy,
            lang,
        )
        r += 2
    _widths(ws, [18, 40, 30, 12, 12, 15, 10, 80, 50])

    subjects = wb.create_sheet(t(lang, "sheet.subjects"))
    _header(
        subjects,
        [
            t(lang, "standard"),
            t(lang, "facility"),
            t(lang, "subject"),
            t(lang, "served"),
            t(lang, "remarks"),
            t(lang, "info"),
        ],
    )
    r = 2
    for report in reports:
        labels = criterion_labels(report.standard)
        for v in report.verdicts:
            if not v.in_population:
                continue
            reasons = ", ".join(short_label(c, labels, lang) for c in failed_ids(v.criteria))
            info = ", ".join(short_label(c, labels, lang) for c in failed_ids(v.criteria, informative=True))
            _text_cell(subjects, r, 1, report.standard.id, privacy)
            _text_cell(subjects, r, 2, v.facility or "", privacy)
            _text_cell(subjects, r, 3, v.subject, privacy)
            _text_cell(
                subjects,
                r,
                4,
                t(lang, "yes" if v.counted else "no"),
                privacy,
            )
            _text_cell(subjects, r, 5, reasons, privacy)
            _text_cell(subjects, r, 6, info, privacy)
            r += 1
    _widths(subjects, [18, 30, 24, 14, 80, 40])
    save_reproducibly(wb, path)


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
