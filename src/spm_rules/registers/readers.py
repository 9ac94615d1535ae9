"""Read registers into typed, validated, linked records, accounting for every row.

Pipeline: files -> raw tables (tables.py) -> column mapping (mapping.py) -> row validation
(cells, JSON Schema, dates not in the future) -> person linkage (NIK, else local id within its
facility) -> cross-record checks (dates before birth, NIK against birth date and sex, exact
duplicates). Every data row read ends as exactly one `RowEntry`: a record, a rejection (with
every reason, naming file, line, column and value) or a duplicate of an earlier row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .contract import Contract, RecordKind, load_contract
from .mapping import Mapping, TableMapping, load_mapping
from .records import Record, RecordRef
from .tables import BROKEN, RawTable, data_files, read_tables
from .values import CellError, nik_birth_and_sex, parse_date, parse_number

MAPPING_FILE = "mapping.yaml"
SHOWN_VALUE = 60  # characters of a cell value quoted in a message


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why a row (or a whole file) was not used, or what is doubtful about it."""

    file: str
    line: int
    column: str | None
    value: str | None
    message: str
    message_en: str
    severity: str = "error"  # "error" rejects the row; "warning" keeps it

    def text(self, lang: str = "id") -> str:
        where = f"{self.file}:{self.line}"
        col = ""
        if self.column:
            col = f" column '{self.column}'" if lang == "en" else f" kolom '{self.column}'"
        val = ""
        if self.value is not None:
            shown = (
                self.value
                if len(self.value) <= SHOWN_VALUE
                else (self.value[:SHOWN_VALUE] + f"… ({len(self.value)} karakter)")
            )
            val = f" = {shown!r}"
        msg = self.message_en if lang == "en" else self.message
        return f"{where}{col}{val}: {msg}"


@dataclass
class RowEntry:
    """The fate of one data row as read: 'record', 'rejected' or 'duplicate'."""

    ref: RecordRef
    kind: str | None
    fate: str
    reason: str = ""
    reason_en: str = ""
    record: Record | None = None


@dataclass
class FileStats:
    file: str
    kind: str | None
    rows_read: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0


@dataclass
class Register:
    """All records read from one data folder, indexed for linking, with every row's entry."""

    records: dict[str, list[Record]]
    problems: list[RowProblem]
    files: list[FileStats]
    contract: Contract
    entries: list[RowEntry] = field(default_factory=list)
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

    @property
    def rows_duplicate(self) -> int:
        return sum(f.rows_duplicate for f in self.files)


# ---- cells and rows ------------------------------------------------------------------------


def _convert(kind: RecordKind, name: str, text: str, today: dt.date) -> Any:
    spec = kind.fields.get(name)
    if spec is None:
        return text
    if spec.type == "date":
        day = parse_date(text, today)
        if day > today:
            raise CellError(
                f"tanggal di masa depan (sesudah {today.isoformat()})",
                f"date in the future (after {today.isoformat()})",
            )
        return day
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
    if v == "maxLength":
        return (
            f"terlalu panjang (maksimal {err.validator_value} karakter)",
            f"too long (at most {err.validator_value} characters)",
        )
    if v == "pattern":
        if err.path and err.path[0] == "nik":
            return "NIK harus 16 angka", "a NIK must be 16 digits"
        return "bentuk tidak sesuai", f"wrong form (pattern {err.validator_value})"
    if v == "anyOf":
        return "NIK atau id_lokal wajib diisi", "a NIK or an id_lokal is required"
    return err.message, err.message


def _person_id(values: dict[str, Any]) -> str | None:
    nik = values.get("nik")
    if nik:
        return str(nik)
    local = values.get("id_lokal")
    facility = values.get("fasilitas")
    if local and facility:
        return f"{facility}#{local}"
    return None


def read_rows(
    kind: RecordKind,
    header: list[str],
    rows: Iterable[tuple[int, list[str]]],
    name: str,
    problems: list[RowProblem],
    st: FileStats,
    today: dt.date,
    table_map: TableMapping | None = None,
    mapping: Mapping | None = None,
) -> list[RowEntry]:
    """Validate rows of text cells (CSV, XLSX, JSONL or YAML tests) into entries."""
    out: list[RowEntry] = []
    columns = [(table_map.columns.get(h, h) if table_map else h) for h in header]
    constants = dict(table_map.constants) if table_map else {}
    present = set(columns) | set(constants)
    missing = [f for f, spec in kind.fields.items() if spec.required and f not in present]
    unknown = [h for h, c in zip(header, columns, strict=True) if c not in kind.fields and h]
    for h in unknown:
        problems.append(
            RowProblem(
                name,
                1,
                h,
                None,
                "kolom tidak dikenal dalam kontrak data; diabaikan",
                "column not in the data contract; ignored",
                "warning",
            )
        )
    derived = [c for c in columns if c in kind.fields and kind.fields[c].derived]
    for c in derived:
        problems.append(
            RowProblem(
                name,
                1,
                c,
                None,
                "kolom ini dihitung oleh program; isi dari file diabaikan",
                "this column is computed by the program; the file's values are ignored",
                "warning",
            )
        )
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        st.rows_read += 1
        ref = RecordRef(name, line)
        if missing or row == [BROKEN]:
            reason = (
                f"kolom wajib tidak ada di file: {', '.join(missing)}"
                if missing
                else "baris rusak dan tidak terbaca"
            )
            reason_en = (
                f"required columns missing from the file: {', '.join(missing)}"
                if missing
                else "broken row that could not be read"
            )
            st.rows_rejected += 1
            out.append(RowEntry(ref, kind.name, "rejected", reason, reason_en))
            continue
        if len(row) != len(header):
            st.rows_rejected += 1
            msg = f"jumlah kolom {len(row)}, seharusnya {len(header)} (baris terpotong?)"
            msg_en = f"{len(row)} columns, expected {len(header)} (truncated row?)"
            problems.append(RowProblem(name, line, None, None, msg, msg_en))
            out.append(RowEntry(ref, kind.name, "rejected", msg, msg_en))
            continue
        values: dict[str, Any] = {}
        row_problems: list[RowProblem] = []
        cells = list(zip(columns, row, strict=True)) + list(constants.items())
        for col, cell in cells:
            spec = kind.fields.get(col)
            if spec is None or spec.derived:
                continue
            text = cell.strip()
            if mapping is not None and text:
                coded = mapping.code(table_map, col, text)
                text = "" if coded is None else coded
            if text == "":
                values[col] = None
                continue
            try:
                values[col] = _convert(kind, col, text, today)
            except CellError as err:
                row_problems.append(RowProblem(name, line, col, cell, err.message, err.message_en))
        doc = {k: _json_form(v) for k, v in values.items() if v is not None}
        if not row_problems and (kind.fast is None or not kind.fast(doc)):
            errors = kind.validator.iter_errors(doc)
            for err in sorted(errors, key=lambda e: list(e.path)):
                col = err.path[0] if err.path else None
                if col is None and err.validator == "required":
                    col = err.message.split("'")[1] if "'" in err.message else None
                    msg, msg_en = "wajib diisi", "is required"
                else:
                    msg, msg_en = _schema_message(err)
                raw = dict(zip(columns, row, strict=True)).get(col) if col else None
                row_problems.append(RowProblem(name, line, col, raw, msg, msg_en))
        if kind.person and not row_problems:
            values["id_orang"] = _person_id(values)
            if values["id_orang"] is None:
                row_problems.append(
                    RowProblem(
                        name,
                        line,
                        "id_lokal",
                        values.get("id_lokal"),
                        "id_lokal tanpa NIK hanya berlaku bersama kolom fasilitas",
                        "an id_lokal without a NIK needs the fasilitas column",
                    )
                )
        if row_problems:
            problems.extend(row_problems)
            st.rows_rejected += 1
            out.append(
                RowEntry(
                    ref,
                    kind.name,
                    "rejected",
                    "; ".join(p.text("id") for p in row_problems),
                    "; ".join(p.text("en") for p in row_problems),
                )
            )
            continue
        out.append(RowEntry(ref, kind.name, "record", record=Record(kind.name, values, ref)))
    return out


# ---- cross-record checks -------------------------------------------------------------------


def _cross_checks(
    entries: list[RowEntry],
    problems: list[RowProblem],
    stats: dict[str, FileStats],
    contract: Contract,
    today: dt.date,
) -> None:
    births: dict[str, dt.date] = {}
    for e in entries:
        if e.fate == "record" and e.kind == "penduduk" and e.record is not None:
            rec = e.record
            if rec.get("tanggal_lahir") is not None:
                births.setdefault(rec.get("id_orang"), rec.get("tanggal_lahir"))
            nik = rec.get("nik")
            if nik:
                born, sex = nik_birth_and_sex(nik, today)
                doubts = []
                if born is not None and born != rec.get("tanggal_lahir"):
                    doubts.append(
                        (
                            f"tanggal lahir di NIK {born.isoformat()} berbeda dengan "
                            f"tanggal_lahir {rec.get('tanggal_lahir')}",
                            f"the birth date in the NIK, {born.isoformat()}, differs from "
                            f"tanggal_lahir {rec.get('tanggal_lahir')}",
                        )
                    )
                if sex != rec.get("jenis_kelamin"):
                    doubts.append(
                        (
                            f"jenis kelamin di NIK {sex} berbeda dengan {rec.get('jenis_kelamin')}",
                            f"the sex in the NIK, {sex}, differs from {rec.get('jenis_kelamin')}",
                        )
                    )
                for msg, msg_en in doubts:
                    problems.append(
                        RowProblem(
                            e.ref.file,
                            e.ref.line,
                            "nik",
                            nik,
                            msg + " (tidak diubah)",
                            msg_en + " (not changed)",
                            "warning",
                        )
                    )
    seen: dict[tuple, RecordRef] = {}
    for e in entries:
        if e.fate != "record" or e.record is None:
            continue
        rec = e.record
        kind = contract.kinds[rec.kind]
        # a service dated before the person was born
        if kind.person and kind.date_field and rec.kind != "penduduk":
            day = rec.get(kind.date_field)
            born = births.get(rec.get("id_orang"))
            if day is not None and born is not None and day < born:
                msg = f"tanggal {day.isoformat()} sebelum tanggal lahir {born.isoformat()}"
                msg_en = f"date {day.isoformat()} is before the birth date {born.isoformat()}"
                problems.append(
                    RowProblem(e.ref.file, e.ref.line, kind.date_field, day.isoformat(), msg, msg_en)
                )
                e.fate, e.reason, e.reason_en, e.record = "rejected", msg, msg_en, None
                stats[e.ref.file].rows_rejected += 1
                continue
        # the same row loaded twice (one export read twice, or pasted twice)
        key = (rec.kind, *sorted((k, str(v)) for k, v in rec.values.items()))
        if key in seen:
            first = seen[key]
            msg, msg_en = f"duplikat dari {first}", f"duplicate of {first}"
            problems.append(
                RowProblem(
                    e.ref.file,
                    e.ref.line,
                    None,
                    None,
                    msg + "; dihitung sekali",
                    msg_en + "; counted once",
                    "warning",
                )
            )
            e.fate, e.reason, e.reason_en, e.record = "duplicate", msg, msg_en, None
            stats[e.ref.file].rows_duplicate += 1
            continue
        seen[key] = e.ref


def _finish(
    entries: list[RowEntry],
    problems: list[RowProblem],
    stats: list[FileStats],
    contract: Contract,
    today: dt.date,
) -> Register:
    by_file = {s.file: s for s in stats}
    _cross_checks(entries, problems, by_file, contract, today)
    records: dict[str, list[Record]] = defaultdict(list)
    for e in entries:
        if e.fate == "record" and e.record is not None:
            records[e.record.kind].append(e.record)
    for kind_name, recs in records.items():
        date_field = contract.kinds[kind_name].date_field
        if date_field:
            recs.sort(key=lambda r, f=date_field: (r.get(f) or dt.date.min, r.ref))
    return Register(dict(records), problems, stats, contract, entries)


# ---- entry points --------------------------------------------------------------------------


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_folder(
    folder: Path,
    contract: Contract | None = None,
    mapping_path: Path | None = None,
    today: dt.date | None = None,
    also: tuple[Path, ...] = (),
) -> Register:
    """Read every CSV, XLSX and JSONL file of a folder. FileNotFoundError if it is missing.

    A `mapping.yaml` in the folder (or `mapping_path`) maps local headers and codes. Files of
    the `also` folders are read with them (a worked example's committed sasaran table).
    """
    contract = contract or load_contract()
    today = today or dt.date.today()
    if not folder.is_dir():
        raise FileNotFoundError(str(folder))
    if mapping_path is None and (folder / MAPPING_FILE).exists():
        mapping_path = folder / MAPPING_FILE
    mapping = load_mapping(mapping_path, contract) if mapping_path else Mapping()
    entries: list[RowEntry] = []
    problems: list[RowProblem] = []
    stats: list[FileStats] = []
    for path in [p for f in (folder, *also) for p in data_files(f)]:
        name = _display(path)
        header_row = mapping.header_row(path.name)
        for table in read_tables(path, name, header_row):
            _read_table(table, path.name, mapping, contract, entries, problems, stats, today)
    return _finish(entries, problems, stats, contract, today)


def _read_table(
    table: RawTable,
    file_name: str,
    mapping: Mapping,
    contract: Contract,
    entries: list[RowEntry],
    problems: list[RowProblem],
    stats: list[FileStats],
    today: dt.date,
) -> None:
    table_map = mapping.for_table(file_name, table.sheet)
    kind = contract.kind(table_map.kind if table_map else table.stem)
    st = FileStats(table.name, kind.name if kind else None)
    stats.append(st)
    fatal = not table.header
    for tp in table.problems:
        problems.append(RowProblem(table.name, tp.line, None, None, tp.message, tp.message_en))
        fatal = fatal or tp.fatal
    if kind is None:
        known = ", ".join(sorted(contract.kinds))
        problems.append(
            RowProblem(
                table.name,
                1,
                None,
                None,
                f"bukan register yang dikenal; beri nama file/lembar salah satu dari: {known}, "
                f"atau petakan di {MAPPING_FILE}",
                f"not a known register; name the file/sheet one of: {known}, or map it in {MAPPING_FILE}",
            )
        )
        fatal = True
    if fatal:
        # every data row of an unusable table is read and rejected, never silently dropped
        reason = "file tidak dapat dipakai (lihat masalah file)"
        reason_en = "the file cannot be used (see the file problems)"
        for line, row in table.rows:
            if any(c.strip() for c in row):
                st.rows_read += 1
                st.rows_rejected += 1
                entries.append(RowEntry(RecordRef(table.name, line), st.kind, "rejected", reason, reason_en))
        return
    assert kind is not None
    entries.extend(
        read_rows(kind, table.header, table.rows, table.name, problems, st, today, table_map, mapping)
    )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def register_from_tables(
    tables: dict[str, list[dict[str, Any]]],
    source: str,
    contract: Contract | None = None,
    today: dt.date | None = None,
) -> Register:
    """A register from rows given as dicts (YAML test cases): validated exactly like CSV rows.

    Each row's place is reported as `SOURCE#kind` and its 1-based position.
    """
    contract = contract or load_contract()
    today = today or dt.date.today()
    entries: list[RowEntry] = []
    problems: list[RowProblem] = []
    stats: list[FileStats] = []
    for kind_name, rows in tables.items():
        name = f"{source}#{kind_name}"
        kind = contract.kind(kind_name)
        st = FileStats(name, kind.name if kind else None)
        stats.append(st)
        if not rows:
            continue  # an empty list: no rows of this kind
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
            for i, _row in enumerate(rows, start=1):
                st.rows_read += 1
                st.rows_rejected += 1
                entries.append(
                    RowEntry(
                        RecordRef(name, i),
                        None,
                        "rejected",
                        "jenis catatan tidak dikenal",
                        "unknown record kind",
                    )
                )
            continue
        header: list[str] = []
        for row in rows:
            header += [c for c in row if c not in header]
        numbered = [(i, [_cell_text(row.get(c)) for c in header]) for i, row in enumerate(rows, 1)]
        entries.extend(read_rows(kind, header, numbered, name, problems, st, today))
    return _finish(entries, problems, stats, contract, today)
