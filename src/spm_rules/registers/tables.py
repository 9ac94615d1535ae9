"""Raw tables from files: CSV, XLSX (each sheet a table), JSON Lines and Parquet.

A raw table is a name for messages (`kohort.xlsx[Kunjungan]`), a header and numbered rows of
text cells. Nothing here knows the data contract; file-level problems (empty file, wrong
encoding, duplicated header, broken quoting) are reported as `TableProblem`s.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from ..limits import DEFAULT_LIMITS, LimitExceeded, Limits
from ..model import Reason, bilingual

csv.field_size_limit(64 * 1024 * 1024)

SUFFIXES = (".csv", ".xlsx", ".jsonl", ".parquet")
# not registers: documentation and configuration beside the data, passed over without a word
QUIET_SUFFIXES = (".md", ".yaml", ".yml")
BROKEN = "\x00rusak"  # the one cell of a row that could not be read at all
IMPRECISE = "\x00tidak-presisi:"  # prefix of a number cell Excel could not hold exactly
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True, slots=True)
class TableProblem:
    line: int
    message: str
    message_en: str
    fatal: bool = True  # the table cannot be used at all
    warning: bool = False  # the table is used; something about it is doubtful

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


def _physical_rows(raw: bytes, header: bool = True) -> list[tuple[int, list[str]]]:
    """Every non-blank physical line of a file that cannot be read as text: each is a row read
    and rejected (the first is taken to be the header when the format has one)."""
    out = []
    for n, line in enumerate(re.split(rb"\r\n|\r|\n" if header else rb"\n", raw), start=1):
        if (n > 1 or not header) and line.strip(b"\r\x00 \t"):
            out.append((n, [BROKEN]))
    return out


def _decode(raw: bytes) -> tuple[str | None, list[TableProblem]]:
    """The text of a file: UTF-8 (with or without BOM); Windows-1252 only where UTF-8 fails,
    and then said so, line by line — never guessed silently."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:4096]:
        return None, [
            TableProblem(
                1,
                "file bukan teks CSV (UTF-16 atau biner?); simpan sebagai CSV UTF-8",
                "not a CSV text file (UTF-16 or binary?); save it as UTF-8 CSV",
            )
        ]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    lines = raw.split(b"\n")
    texts, cp1252, utf8_non_ascii = [], [], False
    for n, line in enumerate(lines, start=1):
        try:
            texts.append(line.decode("utf-8-sig" if n == 1 else "utf-8"))
            utf8_non_ascii = utf8_non_ascii or not line.isascii()
        except UnicodeDecodeError:
            texts.append(line.decode("cp1252", errors="replace"))
            cp1252.append(n)
    shown = ", ".join(str(n) for n in cp1252[:10]) + (" …" if len(cp1252) > 10 else "")
    if utf8_non_ascii:
        problem = TableProblem(
            cp1252[0],
            f"file mencampur UTF-8 dan Windows-1252; baris {shown} dibaca sebagai Windows-1252 — "
            "periksa huruf non-ASCII di baris itu, lalu simpan file sebagai CSV UTF-8",
            f"the file mixes UTF-8 and Windows-1252; lines {shown} were read as Windows-1252 — "
            "check the non-ASCII letters on those lines, then save the file as UTF-8 CSV",
            fatal=False,
            warning=True,
        )
    else:
        problem = TableProblem(
            cp1252[0],
            f"file bukan UTF-8; dibaca sebagai Windows-1252 (baris {shown}) — simpan sebagai CSV UTF-8",
            f"the file is not UTF-8; read as Windows-1252 (lines {shown}) — save it as UTF-8 CSV",
            fatal=False,
            warning=True,
        )
    return "\n".join(texts), [problem]


_LINE_END = re.compile(r"\r\n|\r|\n")
# what str.splitlines also ends a line at (and CSV does not)
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def split_lines(text: str) -> list[str]:
    """Physical lines, ends kept: CRLF, LF and a lone CR end a line (as in CSV and Excel); other
    characters Python would split on (form feed, U+2028 …) stay inside their cell."""
    if not _OTHER_BREAKS.search(text):  # then str.splitlines splits where we do, faster
        return text.splitlines(keepends=True)
    out, start = [], 0
    for m in _LINE_END.finditer(text):
        out.append(text[start : m.end()])
        start = m.end()
    if start < len(text):
        out.append(text[start:])
    return out


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


def _csv_rows(text: str, delimiter: str, table: RawTable, limits: Limits, lines: list[str] | None = None):
    """(first line, cells) of every row; a row that breaks the CSV rules is rejected alone and
    reading goes on at the next physical line. `lines`: the text's `split_lines`, when known."""
    lines = split_lines(text) if lines is None else lines
    if len(lines) > limits.sheet_rows:
        raise LimitExceeded(
            "sheet_rows", limits.sheet_rows, f"{len(lines)} baris", f"{len(lines)} lines", table.name
        )
    pos = 0
    while pos < len(lines):
        # the reader counts the lines it took (`line_num`): where a row starts, and where to
        # go on after a broken one
        reader = csv.reader(itertools.islice(lines, pos, None), delimiter=delimiter, strict=True)
        while True:
            start = pos + reader.line_num
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                table.problems.append(
                    TableProblem(
                        start + 1,
                        f"baris {start + 1} melanggar aturan CSV ({err}); baris ini ditolak, pembacaan "
                        "dilanjutkan di baris berikutnya",
                        f"line {start + 1} breaks the CSV rules ({err}); this line is rejected, reading goes "
                        "on at the next line",
                        fatal=False,
                    )
                )
                yield start + 1, [BROKEN]
                pos = start + 1
                break
            if len(row) > limits.sheet_columns:
                raise LimitExceeded(
                    "sheet_columns", limits.sheet_columns, f"{len(row)} kolom", f"{len(row)} columns",
                    f"{table.name}:{start + 1}",
                )  # fmt: skip
            yield start + 1, row


def read_csv(path: Path, name: str, header_row: int = 1, limits: Limits = DEFAULT_LIMITS) -> list[RawTable]:
    raw = path.read_bytes()
    text, problems = _decode(raw)
    table = RawTable(name, path.stem, path, None, [], [], header_row)
    table.problems += problems
    if text is None:
        table.rows = _physical_rows(raw)
        return [table]
    if not text.strip():
        table.problems.append(TableProblem(1, "file kosong", "empty file"))
        return [table]
    lines = split_lines(text)
    first = (lines[header_row - 1] if len(lines) >= header_row else lines[0]).rstrip("\r\n")
    for line, row in _csv_rows(text, _delimiter(first), table, limits, lines):
        if line < header_row:
            continue
        if not table.header and row != [BROKEN]:
            if any(c.strip() for c in row):
                table.header = [h.strip().lstrip("\ufeff") for h in row]
                table.header_line = line
            continue
        table.rows.append((line, row))
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
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= 10**15:
        # Excel keeps 15 significant digits: a 16-digit number (a NIK typed as a number) has
        # already lost its last digit; it must not pass for another person's NIK
        return f"{IMPRECISE}{value:.0f}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_problem(name: str, path: Path, message: str, message_en: str) -> list[RawTable]:
    t = RawTable(name, path.stem, path, None, [], [])
    t.problems.append(TableProblem(1, message, message_en))
    return [t]


def _check_zip(path: Path, name: str, limits: Limits) -> list[RawTable] | None:
    """Refuse what is not a workbook, before openpyxl sees it; a part that would inflate past
    the limit is refused before it is inflated."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(_OLE2):
        return _xlsx_problem(
            name, path,
            "file Excel lama (.xls) atau terkunci kata sandi; simpan sebagai .xlsx tanpa kata sandi",
            "an old Excel file (.xls) or a password-protected workbook; save it as .xlsx without a password",
        )  # fmt: skip
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.file_size > limits.xlsx_part_mb * 1024 * 1024:
                    raise LimitExceeded(
                        "xlsx_part_mb",
                        limits.xlsx_part_mb,
                        f"bagian {info.filename} ({info.file_size // (1024 * 1024)} MB bila dibuka)",
                        f"part {info.filename} ({info.file_size // (1024 * 1024)} MB uncompressed)",
                        name,
                    )
    except LimitExceeded:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        return _xlsx_problem(
            name, path,
            f"bukan file XLSX yang sah (rusak atau terpotong?): {err}",
            f"not a valid XLSX file (damaged or truncated?): {err}",
        )  # fmt: skip
    return None


def read_xlsx(
    path: Path,
    name: str,
    header_row: int = 1,
    sheets: list[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[RawTable]:
    """Every sheet (or the ones named) as a table; line numbers are Excel row numbers. Rows are
    read whatever the workbook's stored range (`<dimension>`) claims."""
    from openpyxl import load_workbook  # imported here: only XLSX input needs it

    refused = _check_zip(path, name, limits)
    if refused is not None:
        return refused
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds on a damaged workbook
        return _xlsx_problem(
            name, path, f"bukan file XLSX yang sah: {type(err).__name__}: {err}",
            f"not a valid XLSX file: {type(err).__name__}: {err}",
        )  # fmt: skip
    out: list[RawTable] = []
    try:
        for ws in wb.worksheets:
            if sheets is not None and ws.title not in sheets:
                continue
            table = RawTable(f"{name}[{ws.title}]", ws.title, path, ws.title, [], [], header_row)
            try:
                _read_sheet(ws, table, header_row, limits)
            except LimitExceeded:
                raise
            except Exception as err:  # malformed sheet XML, a truncated part
                table.problems.append(
                    TableProblem(
                        1,
                        f"lembar tidak dapat dibaca: {type(err).__name__}: {err}",
                        f"the sheet cannot be read: {type(err).__name__}: {err}",
                    )
                )
                out.append(table)
                continue
            if not table.header:
                table.problems.append(TableProblem(1, "lembar kosong", "empty sheet"))
            out.append(_finish(table))
    finally:
        wb.close()
    return out


def _read_sheet(ws, table: RawTable, header_row: int, limits: Limits) -> None:
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # a stored <dimension> that is too small must not hide rows
    for idx, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if idx > limits.sheet_rows:
            raise LimitExceeded("sheet_rows", limits.sheet_rows, f"{idx} baris", f"{idx} rows", table.name)
        if len(values) > limits.sheet_columns:
            values = values[: limits.sheet_columns + 1]
            if any(v is not None for v in values[limits.sheet_columns :]):
                raise LimitExceeded(
                    "sheet_columns", limits.sheet_columns, "kolom", "columns", f"{table.name}:{idx}"
                )
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
        extra = cells[len(table.header) :]
        if any(c.strip() for c in extra):
            table.rows.append((idx, cells))  # more cells than headers: the row is rejected, not cut
            continue
        cells = cells[: len(table.header)] + [""] * (len(table.header) - len(cells))
        table.rows.append((idx, cells))


def _json_depth(raw: str) -> int:
    """How deeply brackets nest in one JSON text (outside strings), without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in raw:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def read_jsonl(path: Path, name: str, limits: Limits = DEFAULT_LIMITS) -> list[RawTable]:
    """One JSON object per line; the header is the union of their keys, in order seen."""
    raw_bytes = path.read_bytes()
    text, problems = _decode(raw_bytes)
    table = RawTable(name, path.stem, path, None, [], [])
    table.problems += problems
    if text is None:
        table.rows = _physical_rows(raw_bytes, header=False)
        return [table]
    objects: list[tuple[int, dict]] = []
    for line, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            if raw.count("[") + raw.count("{") > limits.json_depth and _json_depth(raw) > limits.json_depth:
                raise ValueError(
                    f"nesting deeper than {limits.json_depth} (--limit json_depth=N to raise it)"
                )
            obj = json.loads(raw)
            if not isinstance(obj, dict):
                raise ValueError("not an object")
        except (ValueError, RecursionError) as err:
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
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)[:1000]
    return str(value)


def _parquet_cell(value: object) -> str:
    """A typed Parquet value as the text a CSV export would hold (the reader types it again)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0, 0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)[:1000]
    return str(value)


def read_parquet(path: Path, name: str, limits: Limits = DEFAULT_LIMITS) -> list[RawTable]:
    """A Parquet file through DuckDB: its columns are the header and each row a row of text
    cells, numbered as a CSV export would number it (the header is line 1, the first row line
    2). A damaged or truncated file is one refused table, said in plain words."""
    import duckdb  # loaded only when a register is Parquet

    table = RawTable(name, path.stem, path, None, [], [])
    con = duckdb.connect()
    try:
        count = con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]
        cursor = con.execute("SELECT * FROM read_parquet(?)", [str(path)])
        table.header = [str(d[0]).strip() for d in cursor.description or ()]
        if len(table.header) > limits.sheet_columns:
            raise LimitExceeded(
                "sheet_columns", limits.sheet_columns, f"{len(table.header)} kolom",
                f"{len(table.header)} columns", name,
            )  # fmt: skip
        if count + 1 > limits.sheet_rows:
            raise LimitExceeded("sheet_rows", limits.sheet_rows, f"{count} baris", f"{count} rows", name)
        line = 2
        while batch := cursor.fetchmany(10_000):
            for row in batch:
                table.rows.append((line, [_parquet_cell(v) for v in row]))
                line += 1
    except duckdb.Error as err:
        # DuckDB names the file by the path it was given: say it as reports name files
        detail = str(err).splitlines()[0].replace(str(path), name)
        table.rows, table.header = [], []
        table.problems.append(
            TableProblem(
                1,
                f"bukan file Parquet yang sah (rusak atau terpotong?): {detail}",
                f"not a valid Parquet file (damaged or truncated?): {detail}",
            )
        )
        return [table]
    finally:
        con.close()
    return [_finish(table)]


def read_tables(
    path: Path,
    name: str,
    header_row: int = 1,
    sheets: list[str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[RawTable]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(path, name, header_row, sheets, limits)
    if suffix == ".jsonl":
        return read_jsonl(path, name, limits)
    if suffix == ".parquet":
        return read_parquet(path, name, limits)
    return read_csv(path, name, header_row, limits)


def _visible(p: Path) -> bool:
    return p.is_file() and not p.name.startswith(("~$", "."))


def data_files(folder: Path) -> Iterator[Path]:
    for p in sorted(folder.iterdir()):
        if _visible(p) and p.suffix.lower() in SUFFIXES:
            yield p


def unsupported_files(folder: Path) -> Iterator[Path]:
    """Files in a data folder that are neither registers nor the notes and settings kept
    beside them: reported, never passed over in silence."""
    for p in sorted(folder.iterdir()):
        if _visible(p) and p.suffix.lower() not in SUFFIXES + QUIET_SUFFIXES:
            yield p
