"""Raw tables from files: CSV, XLSX (each sheet a table) and JSON Lines.

A raw table is a name for messages (`kohort.xlsx[Kunjungan]`), a header and numbered rows of
text cells. Nothing here knows the data contract; file-level problems (empty file, wrong
encoding, duplicated header, broken quoting) are reported as `TableProblem`s.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..model import Reason, bilingual

csv.field_size_limit(64 * 1024 * 1024)

SUFFIXES = (".csv", ".xlsx", ".jsonl")
BROKEN = "\x00rusak"  # the one cell of a row that could not be read at all


@dataclass(frozen=True, slots=True)
class TableProblem:
    line: int
    message: str
    message_en: str
    fatal: bool = True  # the table cannot be used at all

    @property
    def reason(self) -> Reason:
        return bilingual(self.message, self.message_en)


@dataclass
class RawTable:
    name: str  # for messages: path, or path[sheet]
    stem: str  # file stem or sheet name: the record kind when there is no mapping
    file: Path
    sheet: str | None
    header: list[str]
    rows: list[tuple[int, list[str]]]
    header_line: int = 1
    problems: list[TableProblem] = field(default_factory=list)


def _decode(raw: bytes) -> tuple[str | None, TableProblem | None]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        return None, TableProblem(
            1,
            "file bukan teks CSV (UTF-16 atau biner?); simpan sebagai CSV UTF-8",
            "not a CSV text file (UTF-16 or binary?); save it as UTF-8 CSV",
        )
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc), None
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), None  # pragma: no cover - cp1252 fails on 5 bytes only


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _duplicated(header: list[str]) -> list[str]:
    seen: set[str] = set()
    dups = []
    for h in header:
        if h and h in seen:
            dups.append(h)
        seen.add(h)
    return dups


def _finish(table: RawTable) -> RawTable:
    dups = _duplicated(table.header)
    if dups:
        table.problems.append(
            TableProblem(
                table.header_line,
                f"kolom ganda di baris judul: {', '.join(dups)}; file tidak dipakai",
                f"duplicated header columns: {', '.join(dups)}; the file is not used",
            )
        )
    return table


def read_csv(path: Path, name: str, header_row: int = 1) -> list[RawTable]:
    text, problem = _decode(path.read_bytes())
    table = RawTable(name, path.stem, path, None, [], [], header_row)
    if problem is not None:
        table.problems.append(problem)
        return [table]
    assert text is not None
    if not text.strip():
        table.problems.append(TableProblem(1, "file kosong", "empty file"))
        return [table]
    lines = text.splitlines()
    first = lines[header_row - 1] if len(lines) >= header_row else lines[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first), strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            line = reader.line_num
            if line < header_row:
                continue
            if not table.header:
                if any(c.strip() for c in row):
                    table.header = [h.strip().lstrip("\ufeff") for h in row]
                    table.header_line = line
                continue
            rows.append((line, row))
    except csv.Error as err:
        table.problems.append(
            TableProblem(
                reader.line_num,
                f"CSV rusak sesudah baris {reader.line_num} ({err}); baris sesudahnya tidak terbaca",
                f"broken CSV after line {reader.line_num} ({err}); later rows could not be read",
                fatal=False,
            )
        )
        # the row that could not be read is still a row read, and it is rejected
        rows.append((reader.line_num, [BROKEN]))
    table.rows = rows
    if not table.header:
        table.problems.append(TableProblem(1, "tidak ada baris judul", "no header row"))
    return [_finish(table)]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(path: Path, name: str, header_row: int = 1, sheets: list[str] | None = None) -> list[RawTable]:
    """Every sheet (or the ones named) as a table; line numbers are Excel row numbers."""
    from openpyxl import load_workbook  # imported here: only XLSX input needs it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as err:
        t = RawTable(name, path.stem, path, None, [], [])
        t.problems.append(
            TableProblem(1, f"bukan file XLSX yang sah: {err}", f"not a valid XLSX file: {err}")
        )
        return [t]
    out: list[RawTable] = []
    try:
        for ws in wb.worksheets:
            if sheets is not None and ws.title not in sheets:
                continue
            table = RawTable(f"{name}[{ws.title}]", ws.title, path, ws.title, [], [], header_row)
            for idx, values in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = [_cell(v) for v in values]
                if idx < header_row:
                    continue
                if not table.header:
                    if any(c.strip() for c in cells):
                        table.header = [c.strip() for c in cells]
                        while table.header and not table.header[-1]:
                            table.header.pop()
                        table.header_line = idx
                    continue
                cells = cells[: len(table.header)] + [""] * (len(table.header) - len(cells))
                table.rows.append((idx, cells))
            if not table.header:
                table.problems.append(TableProblem(1, "lembar kosong", "empty sheet"))
            out.append(_finish(table))
    finally:
        wb.close()
    return out


def read_jsonl(path: Path, name: str) -> list[RawTable]:
    """One JSON object per line; the header is the union of their keys, in order seen."""
    text, problem = _decode(path.read_bytes())
    table = RawTable(name, path.stem, path, None, [], [])
    if problem is not None:
        table.problems.append(problem)
        return [table]
    objects: list[tuple[int, dict]] = []
    assert text is not None
    for line, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
            if not isinstance(obj, dict):
                raise ValueError("not an object")
        except ValueError as err:
            table.problems.append(
                TableProblem(
                    line, f"baris bukan objek JSON: {err}", f"line is not a JSON object: {err}", fatal=False
                )
            )
            objects.append((line, {BROKEN: True}))
            continue
        objects.append((line, obj))
    for _line, obj in objects:
        table.header += [k for k in obj if k not in table.header and k != BROKEN]
    for line, obj in objects:
        if BROKEN in obj:
            table.rows.append((line, [BROKEN]))
        else:
            table.rows.append((line, [_json_cell(obj.get(k)) for k in table.header]))
    if not objects:
        table.problems.append(TableProblem(1, "file kosong", "empty file"))
    return [table]


def _json_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    return str(value)


def read_tables(
    path: Path, name: str, header_row: int = 1, sheets: list[str] | None = None
) -> list[RawTable]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(path, name, header_row, sheets)
    if suffix == ".jsonl":
        return read_jsonl(path, name)
    return read_csv(path, name, header_row)


def data_files(folder: Path) -> Iterator[Path]:
    for p in sorted(folder.iterdir()):
        if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith("~$"):
            yield p
