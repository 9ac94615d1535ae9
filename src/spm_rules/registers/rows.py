"""Validate the rows of one table into entries: one step per job.

header  -> columns (mapping applied), header problems, required columns missing
row     -> cells converted to typed values (dates, numbers, yes/no, mapped codes); in a field that
           records something done or given (`x-evidence`), the not-done spellings are never
           "done": a yes/no becomes no, any other type not recorded
values  -> JSON Schema problems (the compiled fast check first, jsonschema words the errors)
optional-> an optional field whose value has an unexpected form (not a number, not yes/no, a
           code outside its list, a wrong pattern) becomes not recorded with a row WARNING, and
           the rest of the row is used; dates, identities, keys and ranges stay errors
values  -> the person's identity, as the contract declares it
all     -> one `RowEntry` per non-blank row: a record, or a rejection with every reason
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..limits import DEFAULT_LIMITS, Limits
from ..model import Fate, Layout, Reason, Record, RecordRef, RowEntry, RowProblem, Severity
from .contract import FieldSpec, RecordKind
from .fastcheck import FastCheck, json_form
from .mapping import TableMapping
from .tables import BROKEN, IMPRECISE
from .values import CellError, parse_date, parse_number, parse_time

YES_SPELLINGS = ("ya", "y", "yes", "true", "1", "sudah", "ada")
NO_SPELLINGS = ("tidak", "t", "no", "n", "false", "0", "belum", "-", "tidak ada")
UNKNOWN_SPELLINGS = ("tidak diketahui", "tidak tahu")
# never "done" in a field that records something done or given, whatever the field's type
NOT_DONE = ("tidak", "belum", "-", "0", "tidak ada", "tidak diketahui")
_FORM_CELL = ("cell.not_a_number", "cell.not_whole", "cell.not_yes_no", "cell.imprecise_number")
_FORM_SCHEMA = ("enum", "pattern", "type")


def spelling(text: str) -> str:
    """A cell's text compared with the spellings: lower case, spaces collapsed."""
    return " ".join(text.lower().split())


def not_done(spec: FieldSpec, text: str) -> tuple[bool, Any]:
    """(True, value) when an evidence field's text says that nothing was done: no for a yes/no
    (not recorded for "tidak diketahui"), not recorded for any other type (a number keeps its
    0)."""
    if not spec.evidence:
        return False, None
    low = spelling(text)
    if spec.type == "bool":
        if low in UNKNOWN_SPELLINGS:
            return True, None
        return (True, False) if low in NO_SPELLINGS else (False, None)
    if low in NOT_DONE and not (low == "0" and spec.type in ("number", "integer")):
        return True, None
    return False, None


def optional_form(kind: RecordKind, name: str | None) -> bool:
    """Whether a value of unexpected form in this field drops the field (with a warning)
    instead of rejecting the row: optional, not a date, not naming a person or a subject."""
    spec = kind.fields.get(name) if name else None
    if spec is None or spec.required or spec.derived or spec.personal or spec.type == "date":
        return False
    naming = {kind.key, *(f for u in kind.unique for f in u)}
    if kind.identity is not None:
        naming |= {f for alt in kind.identity.alternatives for f in alt}
    return name not in naming


def _dropped(problem: RowProblem) -> RowProblem:
    return RowProblem(
        problem.file,
        problem.line,
        problem.column,
        problem.value,
        Reason.of("row.optional_not_recorded", problem=problem.reason),
        Severity.WARNING,
    )


@dataclass(frozen=True, slots=True)
class TableShape:
    """What the header says: the contract field of each column, and what the file lacks."""

    columns: tuple[str, ...]
    constants: tuple[tuple[str, str], ...]
    missing: tuple[str, ...]
    problems: tuple[RowProblem, ...]


def table_shape(kind: RecordKind, header: list[str], name: str, table_map: TableMapping | None) -> TableShape:
    """Columns after mapping; unknown and computed columns are warnings, not errors."""
    columns = tuple((table_map.columns.get(h, h) if table_map else h) for h in header)
    constants = tuple(sorted(table_map.constants.items())) if table_map else ()
    present = set(columns) | {c for c, _v in constants}
    missing = tuple(f for f, spec in kind.fields.items() if spec.required and f not in present)
    problems = [
        RowProblem(name, 1, h, None, Reason.of("header.unknown_column"), Severity.WARNING)
        for h, c in zip(header, columns, strict=True)
        if c not in kind.fields and h
    ]
    problems += [
        RowProblem(name, 1, c, None, Reason.of("header.derived_column"), Severity.WARNING)
        for c in columns
        if c in kind.fields and kind.fields[c].derived
    ]
    return TableShape(columns, constants, missing, tuple(problems))


def convert_cell(
    kind: RecordKind, name: str, text: str, today: dt.date, limits: Limits = DEFAULT_LIMITS
) -> Any:
    """The typed value of one non-empty cell, or `CellError` with the reason."""
    spec = kind.fields.get(name)
    if text.startswith(IMPRECISE):
        raise CellError("cell.imprecise_number", shown=text[len(IMPRECISE) :])
    if spec is None:
        return text
    if spec.type == "date":
        day = parse_date(text, today)
        if day > today:
            raise CellError("cell.future_date", today=today)
        return day
    if spec.type == "time":
        return parse_time(text)
    if spec.type in ("number", "integer"):
        return parse_number(text, integer=spec.type == "integer", max_digits=limits.number_digits)
    if spec.type == "bool":
        low = spelling(text)
        if low in YES_SPELLINGS:
            return True
        if low in NO_SPELLINGS:
            return False
        if low in UNKNOWN_SPELLINGS:
            return None
        raise CellError("cell.not_yes_no")
    return text


def _cell_outcome(
    kind: RecordKind, spec: FieldSpec, col: str, text: str, today: dt.date, limits: Limits
) -> tuple[Any, Reason | None]:
    """(value, None) for a non-empty cell's text, or (None, the reason it is refused)."""
    nothing, value = not_done(spec, text)
    if nothing:
        return value, None
    try:
        return convert_cell(kind, col, text, today, limits), None
    except CellError as err:
        return None, err.reason


def _text(table_map: TableMapping | None, col: str, cell: str) -> str:
    """A cell's text as the contract reads it: stripped, and a mapped local code translated
    ("" when the code means not recorded)."""
    text = cell.strip()
    if table_map is not None and text:
        coded = table_map.code(col, text)
        text = "" if coded is None else coded
    return text


def row_values(
    kind: RecordKind,
    shape: TableShape,
    row: list[str],
    ref: RecordRef,
    today: dt.date,
    table_map: TableMapping | None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[dict[str, Any], list[RowProblem]]:
    """Each cell of a row converted to its field's type (None = not recorded)."""
    values: dict[str, Any] = {}
    problems: list[RowProblem] = []
    for col, cell in [*zip(shape.columns, row, strict=True), *shape.constants]:
        spec = kind.fields.get(col)
        if spec is None or spec.derived:
            continue
        text = _text(table_map, col, cell)
        if text == "":
            values[col] = None
            continue
        value, reason = _cell_outcome(kind, spec, col, text, today, limits)
        if reason is None:
            values[col] = value
            continue
        problem = RowProblem(ref.file, ref.line, col, cell, reason)
        if reason.code in _FORM_CELL and optional_form(kind, col):
            values[col] = None
            problem = _dropped(problem)
        problems.append(problem)
    return values, problems


def _schema_reason(err) -> Reason:
    v = err.validator
    if v == "enum":
        return Reason.of("schema.enum", allowed=tuple(str(x) for x in err.validator_value if x is not None))
    if v in ("minimum", "maximum", "maxLength"):
        return Reason.of(f"schema.{v}", limit=err.validator_value)
    if v == "pattern":
        if err.path and err.path[0] == "nik":
            return Reason.of("schema.nik_pattern")
        return Reason.of("schema.pattern", pattern=err.validator_value)
    if v == "anyOf":
        fields = tuple(f for alt in err.validator_value for f in alt.get("required", ()))
        if set(fields) == {"nik", "id_lokal"}:
            return Reason.of("schema.nik_or_local_id")
        return Reason.of("schema.one_of_required", fields=fields)
    return Reason.of("schema.other", detail=err.message)


def schema_problems(
    kind: RecordKind,
    values: dict[str, Any],
    raw: dict[str, str],
    ref: RecordRef,
) -> list[RowProblem]:
    """What the contract's JSON Schema says of a row's values (nothing when it is valid).

    An optional field of unexpected form is removed from `values` and its problem is a
    warning (see `optional_form`)."""
    doc = {k: json_form(v) for k, v in values.items() if v is not None}
    if kind.fast is not None and kind.fast(doc):
        return []
    out = []
    for err in sorted(kind.validator.iter_errors(doc), key=lambda e: list(e.path)):
        col = err.path[0] if err.path else None
        if col is None and err.validator == "required":
            col = err.message.split("'")[1] if "'" in err.message else None
            reason = Reason.of("schema.required")
        else:
            reason = _schema_reason(err)
        problem = RowProblem(ref.file, ref.line, col, raw.get(col) if col else None, reason)
        if err.validator in _FORM_SCHEMA and len(err.path) == 1 and optional_form(kind, col):
            values[col] = None
            problem = _dropped(problem)
        out.append(problem)
    return out


def identity_problem(kind: RecordKind, values: dict[str, Any], ref: RecordRef) -> RowProblem | None:
    """Derive the person's id into `values` (as the contract declares); a problem if it cannot be."""
    if kind.identity is None:
        return None
    values[kind.identity.field] = kind.identity.derive(values)
    if values[kind.identity.field] is not None:
        return None
    return RowProblem(
        ref.file, ref.line, "id_lokal", values.get("id_lokal"), Reason.of("row.local_id_needs_facility")
    )


def _errors(problems: list[RowProblem]) -> list[RowProblem]:
    return [p for p in problems if p.severity is Severity.ERROR]


def read_rows_plain(
    kind: RecordKind,
    header: list[str],
    rows: Iterable[tuple[int, list[str]]],
    name: str,
    today: dt.date,
    table_map: TableMapping | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[list[RowEntry], list[RowProblem]]:
    """`read_rows` one cell and one row at a time, with no memo: the reference that the fast
    reader must equal, entry for entry (tests hold them to that), and the reader of tables the
    fast one does not take."""
    shape = table_shape(kind, header, name, table_map)
    entries: list[RowEntry] = []
    problems: list[RowProblem] = list(shape.problems)
    for line, row in rows:
        ref = RecordRef(name, line)
        if not any(cell.strip() for cell in row):
            if len(row) > 1:  # a row of separators only (`,,,,`): read, said, not a record
                entries.append(RowEntry(ref, kind.name, Fate.EMPTY, Reason.of("row.empty")))
            continue
        if shape.missing:
            entries.append(_missing_columns(kind, ref, shape))
            continue
        if row == [BROKEN]:
            entries.append(RowEntry(ref, kind.name, Fate.REJECTED, Reason.of("row.broken")))
            continue
        if len(row) != len(header):
            entries.append(_column_count(kind, ref, row, header, problems))
            continue
        values, row_problems = row_values(kind, shape, row, ref, today, table_map, limits)
        if not _errors(row_problems):
            raw = dict(zip(shape.columns, row, strict=True))
            row_problems += schema_problems(kind, values, raw, ref)
        if not _errors(row_problems):
            problem = identity_problem(kind, values, ref)
            row_problems += [problem] if problem else []
        entries.append(_entry(kind, ref, values, row_problems, problems))
    return entries, problems


def _missing_columns(kind: RecordKind, ref: RecordRef, shape: TableShape) -> RowEntry:
    reason = Reason.of("row.required_columns", columns=shape.missing)
    return RowEntry(ref, kind.name, Fate.REJECTED, reason)


def _column_count(
    kind: RecordKind, ref: RecordRef, row: list[str], header: list[str], problems: list[RowProblem]
) -> RowEntry:
    reason = Reason.of("row.column_count", found=len(row), expected=len(header))
    problems.append(RowProblem(ref.file, ref.line, None, None, reason))
    return RowEntry(ref, kind.name, Fate.REJECTED, reason)


def _entry(
    kind: RecordKind,
    ref: RecordRef,
    values: dict[str, Any],
    row_problems: list[RowProblem],
    problems: list[RowProblem],
) -> RowEntry:
    """The row's entry once its problems are known: its warnings are said, then its errors
    reject it; a row without errors is a record."""
    problems.extend(p for p in row_problems if p.severity is Severity.WARNING)
    errors = _errors(row_problems)
    if errors:
        problems.extend(errors)
        return RowEntry(ref, kind.name, Fate.REJECTED, Reason.of("row.problems", problems=tuple(errors)))
    return RowEntry(ref, kind.name, Fate.RECORD, record=Record(kind.name, values, ref))


# a column's memo stops growing here: a column of distinct values (a NIK) gains nothing from
# it, and a table's memo must stay small beside the table
MEMO_CELLS = 4096
# rows judged together, column by column (bounded: the columns of a batch are held at once)
BATCH_ROWS = 4096


@dataclass(frozen=True, slots=True)
class _Cell:
    """What one cell text becomes in one column (the same in every row of a read): its value,
    or the reason it is not one (`dropped`: an optional field of unexpected form, a warning),
    and whether the value passes the schema's tests of its property. `plain`: a value that
    passes, nothing to say."""

    value: Any
    reason: Reason | None
    dropped: bool
    valid: bool
    plain: bool = False

    @staticmethod
    def of(value: Any, reason: Reason | None, dropped: bool, valid: bool) -> _Cell:
        return _Cell(value, reason, dropped, valid, reason is None and valid)


class _Column:
    """One contract field of a table: where its text is (a column, or a mapping constant) and
    the memo of its cells."""

    __slots__ = ("constant", "index", "memo", "name", "spec")

    def __init__(self, name: str, spec: FieldSpec, index: int, constant: str = ""):
        self.name, self.spec, self.index, self.constant = name, spec, index, constant
        self.memo: dict[str, _Cell] = {}


class _TableReader:
    """The fast reader of one table. Each distinct cell text of a column is converted and
    checked against its property once (`cell`, memoised per column: `row_values` and the fast
    schema check of that one value). Rows are judged in batches, column by column: a row whose
    cells are all plain and whose values meet the schema's `required` and `anyOf` is valid as
    the fast check would find it, and becomes a record. Any other row is read alone (`read`),
    through `schema_problems` (jsonschema words the errors), so that every entry and problem
    equals `read_rows_plain`'s."""

    def __init__(
        self,
        kind: RecordKind,
        shape: TableShape,
        fast: FastCheck,
        today: dt.date,
        table_map: TableMapping | None,
        limits: Limits,
    ):
        self.kind, self.shape, self.fast = kind, shape, fast
        self.today, self.table_map, self.limits = today, table_map, limits
        self.columns: list[_Column] = []
        for index, col in enumerate(shape.columns):
            spec = kind.fields.get(col)
            if spec is not None and not spec.derived:
                self.columns.append(_Column(col, spec, index))
        for col, text in shape.constants:
            spec = kind.fields.get(col)
            if spec is not None and not spec.derived:
                self.columns.append(_Column(col, spec, -1, text))
        self.names = tuple(c.name for c in self.columns)
        # the fields of a plain row's record, in the order of its values (`StoredRecord`)
        self.layout = Layout(self.names + ((kind.identity.field,) if kind.identity is not None else ()))

    @property
    def distinct_fields(self) -> bool:
        """Whether no two columns (or constants) fill the same field; the fast reader needs that
        (the plain reader lets the last one win)."""
        return len(self.names) == len(set(self.names))

    def cell(self, column: _Column, cell: str) -> _Cell:
        """`row_values` of one cell, and its property's fast verdict, remembered."""
        out = column.memo.get(cell)
        if out is not None:
            return out
        kind, col, spec = self.kind, column.name, column.spec
        text = _text(self.table_map, col, cell)
        if text == "":
            out = _Cell.of(None, None, False, True)
        else:
            value, reason = _cell_outcome(kind, spec, col, text, self.today, self.limits)
            if reason is None:
                valid = value is None or self.fast.property_ok(col, json_form(value))
                out = _Cell.of(value, None, False, valid)
            else:
                dropped = reason.code in _FORM_CELL and optional_form(kind, col)
                out = _Cell.of(None, reason, dropped, True)
        if len(column.memo) < MEMO_CELLS:
            column.memo[cell] = out
        return out

    def read(self, row: list[str], ref: RecordRef, problems: list[RowProblem]) -> RowEntry:
        """The entry of one row of the header's length, alone (as `read_rows_plain` reads it)."""
        values: dict[str, Any] = {}
        row_problems: list[RowProblem] = []
        for column in self.columns:
            text = row[column.index] if column.index >= 0 else column.constant
            out = self.cell(column, text)
            if out.reason is None:
                values[column.name] = out.value
                continue
            problem = RowProblem(ref.file, ref.line, column.name, text, out.reason)
            if out.dropped:
                values[column.name] = None
                problem = _dropped(problem)
            row_problems.append(problem)
        if not _errors(row_problems):
            raw = dict(zip(self.shape.columns, row, strict=True))
            row_problems += schema_problems(self.kind, values, raw, ref)
        if not _errors(row_problems):
            problem = identity_problem(self.kind, values, ref)
            row_problems += [problem] if problem else []
        return _entry(self.kind, ref, values, row_problems, problems)

    def read_batch(
        self, batch: list[tuple[RecordRef, list[str]]], entries: list[RowEntry], problems: list[RowProblem]
    ) -> None:
        """The entries of rows of the header's length, in order: plain rows judged column by
        column, the others read alone."""
        n = len(batch)
        slow = bytearray(n)  # 1: the row is read alone
        columns: dict[str, list[Any]] = {}
        for column in self.columns:
            if column.index >= 0:
                memo, i = column.memo, column.index
                cells = [memo.get(row[i]) or self.cell(column, row[i]) for _ref, row in batch]
            else:
                cells = [self.cell(column, column.constant)] * n
            for k in [k for k, c in enumerate(cells) if not c.plain]:
                slow[k] = 1
            columns[column.name] = [c.value for c in cells]
        self._incomplete(columns, slow)
        name, identity = self.kind.name, self.kind.identity
        ids = self._identities(columns, slow) if identity is not None else [None] * n
        rows = zip(*columns.values(), strict=True) if columns else itertools.repeat((), n)
        for (ref, row), values, person, alone in zip(batch, rows, ids, slow, strict=True):
            if alone:
                entries.append(self.read(row, ref, problems))
                continue
            record = dict(zip(self.names, values, strict=True))
            if identity is not None:
                record[identity.field] = person
            entries.append(RowEntry(ref, name, Fate.RECORD, None, Record(name, record, ref)))

    def _incomplete(self, columns: dict[str, list[Any]], slow: bytearray) -> None:
        """Mark the rows whose values miss a field the schema requires (`required`, `anyOf`):
        the fast check would refuse them."""
        n = len(slow)
        for field in self.fast.required:
            if field not in columns:
                slow[:] = b"\x01" * n
                return
            for k in [k for k, v in enumerate(columns[field]) if v is None]:
                slow[k] = 1
        if not self.fast.any_of:
            return
        met = bytearray(n)
        for alt in self.fast.any_of:
            if any(field not in columns for field in alt):
                continue
            for k, values in enumerate(zip(*(columns[f] for f in alt), strict=True)):
                if None not in values:
                    met[k] = 1
        for k in [k for k in range(n) if not met[k]]:
            slow[k] = 1

    def _identities(self, columns: dict[str, list[Any]], slow: bytearray) -> list[str | None]:
        """`Identity.derive` of each row; a row without one is read alone (it is rejected)."""
        identity = self.kind.identity
        assert identity is not None
        n = len(slow)
        ids: list[str | None] = [None] * n
        pending = list(range(n))
        for alt in identity.alternatives:
            if any(field not in columns for field in alt):
                continue
            parts = [columns[f] for f in alt]
            left = []
            for k in pending:
                values = [p[k] for p in parts]
                if all(v is not None and v != "" for v in values):
                    ids[k] = identity.join.join(str(v) for v in values)
                else:
                    left.append(k)
            pending = left
        for k in pending:
            slow[k] = 1
        return ids


def read_rows(
    kind: RecordKind,
    header: list[str],
    rows: Iterable[tuple[int, list[str]]],
    name: str,
    today: dt.date,
    table_map: TableMapping | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[list[RowEntry], list[RowProblem]]:
    """Every non-blank row of one table as an entry, and the problems found (CSV, XLSX,
    JSONL or YAML test rows alike). Equal to `read_rows_plain`, faster: a register repeats its
    dates, facilities, codes and small numbers, and each distinct text is judged once."""
    shape = table_shape(kind, header, name, table_map)
    if kind.fast is None:
        return read_rows_plain(kind, header, rows, name, today, table_map, limits)
    reader = _TableReader(kind, shape, kind.fast, today, table_map, limits)
    if not reader.distinct_fields:
        return read_rows_plain(kind, header, rows, name, today, table_map, limits)
    entries: list[RowEntry] = []
    problems: list[RowProblem] = list(shape.problems)
    width = len(header)
    batch: list[tuple[RecordRef, list[str]]] = []
    for line, row in rows:
        ref = RecordRef(name, line)
        if batched(shape, width, row):
            batch.append((ref, row))
            if len(batch) == BATCH_ROWS:
                reader.read_batch(batch, entries, problems)
                batch = []
            continue
        if batch:  # the rows before this one keep their place (and their problems' place)
            reader.read_batch(batch, entries, problems)
            batch = []
        odd_row(kind, shape, header, ref, row, entries, problems)
    if batch:
        reader.read_batch(batch, entries, problems)
    return entries, problems


def batched(shape: TableShape, width: int, row: list[str]) -> bool:
    """Whether a row is judged with the others (`_TableReader`), not by `odd_row`."""
    return len(row) == width and not shape.missing and row != [BROKEN] and bool("".join(row).strip())


def odd_row(
    kind: RecordKind,
    shape: TableShape,
    header: list[str],
    ref: RecordRef,
    row: list[str],
    entries: list[RowEntry],
    problems: list[RowProblem],
) -> None:
    """The entry (if any) of a row that is not `batched`: blank (none), separators only, in a
    table without its required columns, broken, or of the wrong length."""
    if not "".join(row).strip():
        if len(row) > 1:  # a row of separators only (`,,,,`): read, said, not a record
            entries.append(RowEntry(ref, kind.name, Fate.EMPTY, Reason.of("row.empty")))
    elif shape.missing:
        entries.append(_missing_columns(kind, ref, shape))
    elif row == [BROKEN]:
        entries.append(RowEntry(ref, kind.name, Fate.REJECTED, Reason.of("row.broken")))
    else:
        entries.append(_column_count(kind, ref, row, header, problems))
