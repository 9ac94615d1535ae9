"""Read a folder of CSV registers into typed, validated records.

Each CSV file is one record kind of the data contract, named by its file name
(`kunjungan_anc.csv`). Every row ends up as a record or as a rejection that names file, line,
column, value and reason; every file that is not a known kind is reported, never skipped
silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from .contract import Contract, RecordKind, load_contract
from .records import Record, RecordRef
from .values import CellError, parse_date, parse_number

csv.field_size_limit(64 * 1024 * 1024)


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why a row (or a whole file) was not used."""

    file: str
    line: int
    column: str | None
    value: str | None
    message: str
    message_en: str
    severity: str = "error"  # "error" rejects the row; "warning" keeps it

    def text(self, lang: str = "id") -> str:
        where = f"{self.file}:{self.line}"
        col = f" kolom '{self.column}'" if lang != "en" else f" column '{self.column}'"
        col = col if self.column else ""
        val = f" = {self.value!r}" if self.value is not None else ""
        msg = self.message_en if lang == "en" else self.message
        return f"{where}{col}{val}: {msg}"


@dataclass
class FileStats:
    file: str
    kind: str | None
    rows_read: int = 0
    rows_rejected: int = 0


@dataclass
class Register:
    """All records read from one data folder, indexed for linking."""

    records: dict[str, list[Record]]
    problems: list[RowProblem]
    files: list[FileStats]
    contract: Contract
    _index: dict[tuple[str, str], dict[Any, list[Record]]] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[Record]:
        return self.records.get(kind, [])

    def linked(self, kind: str, by: str, value: Any) -> list[Record]:
        """Records of `kind` whose field `by` equals `value`, in date order."""
        key = (kind, by)
        index = self._index.get(key)
        if index is None:
            index = defaultdict(list)
            for rec in self.of_kind(kind):
                v = rec.get(by)
                if v is not None:
                    index[v].append(rec)
            self._index[key] = index
        return index.get(value, []) if value is not None else []

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _decode(raw: bytes) -> str:
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")  # pragma: no cover - cp1252 fails only on 5 bytes


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _convert(kind: RecordKind, name: str, text: str) -> Any:
    spec = kind.fields.get(name)
    if spec is None:
        return text
    if spec.type == "date":
        return parse_date(text)
    if spec.type in ("number", "integer"):
        return parse_number(text, integer=spec.type == "integer")
    if spec.type == "bool":
        low = text.lower()
        if low in ("ya", "y", "true", "1", "yes"):
            return True
        if low in ("tidak", "t", "false", "0", "no"):
            return False
        raise CellError("harus ya atau tidak", "must be yes or no")
    return text


def _json_form(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _schema_message(err) -> tuple[str, str]:
    v = err.validator
    if v == "enum":
        allowed = ", ".join(str(x) for x in err.validator_value if x is not None)
        return f"nilai tidak dikenal; pilih: {allowed}", f"unknown value; choose: {allowed}"
    if v == "minimum":
        return (
            f"terlalu kecil (minimal {err.validator_value})",
            f"too small (at least {err.validator_value})",
        )
    if v == "maximum":
        return (
            f"terlalu besar (maksimal {err.validator_value})",
            f"too large (at most {err.validator_value})",
        )
    if v == "pattern":
        return "bentuk tidak sesuai", f"wrong form (pattern {err.validator_value})"
    return err.message, err.message


def read_folder(folder: Path, contract: Contract | None = None) -> Register:
    """Read every CSV file of a folder. Raises FileNotFoundError if the folder is missing."""
    contract = contract or load_contract()
    if not folder.is_dir():
        raise FileNotFoundError(str(folder))
    records: dict[str, list[Record]] = defaultdict(list)
    problems: list[RowProblem] = []
    stats: list[FileStats] = []
    for path in sorted(folder.glob("*.csv")):
        name = _display(path)
        kind = contract.kind(path.stem)
        st = FileStats(name, kind.name if kind else None)
        stats.append(st)
        if kind is None:
            problems.append(
                RowProblem(
                    name,
                    1,
                    None,
                    None,
                    f"bukan register yang dikenal; nama file harus salah satu dari: "
                    f"{', '.join(sorted(contract.kinds))}",
                    f"not a known register; the file name must be one of: "
                    f"{', '.join(sorted(contract.kinds))}",
                    severity="warning",
                )
            )
            continue
        _read_csv(path, name, kind, records[kind.name], problems, st)
    _sort(records, contract)
    return Register(dict(records), problems, stats, contract)


def _read_csv(
    path: Path,
    name: str,
    kind: RecordKind,
    out: list[Record],
    problems: list[RowProblem],
    st: FileStats,
) -> None:
    text = _decode(path.read_bytes())
    if not text.strip():
        problems.append(RowProblem(name, 1, None, None, "file kosong", "empty file"))
        return
    first_line = text.splitlines()[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    header = [h.strip() for h in next(reader)]

    def numbered():
        for row in reader:
            yield reader.line_num, row

    read_rows(kind, header, numbered(), name, out, problems, st)


def read_rows(
    kind: RecordKind,
    header: list[str],
    rows: Iterable[tuple[int, list[str]]],
    name: str,
    out: list[Record],
    problems: list[RowProblem],
    st: FileStats,
) -> None:
    """Validate rows of text cells (from CSV, or written inline in a YAML test) into records."""
    missing = [f for f, spec in kind.fields.items() if spec.required and f not in header]
    if missing:
        problems.append(
            RowProblem(
                name,
                1,
                None,
                None,
                f"kolom wajib tidak ada: {', '.join(missing)}",
                f"required columns missing: {', '.join(missing)}",
            )
        )
        # every data row of the file is rejected, and counted as such
        for _line, row in rows:
            if any(cell.strip() for cell in row):
                st.rows_read += 1
                st.rows_rejected += 1
        return
    for col in header:
        if col not in kind.fields:
            problems.append(
                RowProblem(
                    name,
                    1,
                    col,
                    None,
                    "kolom tidak dikenal dalam kontrak data; diabaikan",
                    "column not in the data contract; ignored",
                    severity="warning",
                )
            )
    validator = Draft202012Validator(kind.schema, format_checker=FormatChecker())
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        st.rows_read += 1
        if len(row) != len(header):
            st.rows_rejected += 1
            problems.append(
                RowProblem(
                    name,
                    line,
                    None,
                    None,
                    f"jumlah kolom {len(row)}, seharusnya {len(header)} (baris terpotong?)",
                    f"{len(row)} columns, expected {len(header)} (truncated row?)",
                )
            )
            continue
        values: dict[str, Any] = {}
        bad = False
        for col, cell in zip(header, row, strict=True):
            if col not in kind.fields:
                continue
            cell = cell.strip()
            if cell == "":
                values[col] = None
                continue
            try:
                values[col] = _convert(kind, col, cell)
            except CellError as err:
                problems.append(RowProblem(name, line, col, cell, err.message, err.message_en))
                bad = True
        if not bad:
            doc = {k: _json_form(v) for k, v in values.items() if v is not None}
            for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
                col = err.path[0] if err.path else None
                if col is None and err.validator == "required":
                    col = err.message.split("'")[1] if "'" in err.message else None
                    msg, msg_en = "wajib diisi", "is required"
                else:
                    msg, msg_en = _schema_message(err)
                raw = row[header.index(col)] if col in header else None
                problems.append(RowProblem(name, line, col, raw, msg, msg_en))
                bad = True
        if bad:
            st.rows_rejected += 1
            continue
        out.append(Record(kind.name, values, RecordRef(name, line)))


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def register_from_tables(
    tables: dict[str, list[dict[str, Any]]], source: str, contract: Contract | None = None
) -> Register:
    """A register from rows given as dicts (YAML test cases): validated exactly like CSV rows.

    Each row's place is reported as `SOURCE#kind` and its 1-based position.
    """
    contract = contract or load_contract()
    records: dict[str, list[Record]] = defaultdict(list)
    problems: list[RowProblem] = []
    stats: list[FileStats] = []
    for kind_name, rows in tables.items():
        name = f"{source}#{kind_name}"
        kind = contract.kind(kind_name)
        st = FileStats(name, kind.name if kind else None)
        stats.append(st)
        if kind is None:
            problems.append(
                RowProblem(
                    name,
                    1,
                    None,
                    None,
                    f"jenis catatan '{kind_name}' tidak ada dalam kontrak data",
                    f"record kind '{kind_name}' is not in the data contract",
                )
            )
            st.rows_read = st.rows_rejected = len(rows or [])
            continue
        if not rows:
            continue  # an empty list: no rows of this kind
        header: list[str] = []
        for row in rows or []:
            header += [c for c in row if c not in header]
        numbered = ((i, [_cell_text(row.get(c)) for c in header]) for i, row in enumerate(rows or [], 1))
        read_rows(kind, header, numbered, name, records[kind.name], problems, st)
    _sort(records, contract)
    return Register(dict(records), problems, stats, contract)


def _sort(records: dict[str, list[Record]], contract: Contract) -> None:
    for kind_name, recs in records.items():
        date_field = contract.kinds[kind_name].date_field
        if date_field:
            recs.sort(key=lambda r, f=date_field: (r.get(f) or dt.date.min, r.ref))
