"""An index of the identifiers in a data folder's CSV registers: `explain` at city scale reads
one subject's rows by looking them up instead of searching every file's bytes (issue #9).

Without an index, `prefilter` searches the bytes of every file once per identifier of the
subject: about 0,2 s per identifier over a city's 636 MiB. `spm-rules index --data DIR` reads
each CSV file once through DuckDB and writes, for every line after the header, a 64-bit hash of
each identifier cell (the cells of the kind's identifier fields, `prefilter.id_fields`; every
cell of a line that does not have the header's width) with the line's number and byte offset,
sorted by hash into one Parquet file. `explain` then asks DuckDB for the lines of a few hashes
(a handful of row groups read) and takes those lines from the file by their offsets.

The lines found are the byte search's lines restricted to those where an identifier is a whole
cell (its white space stripped as `str.strip` does); a line is kept only when the identifier's
bytes really are in it (a hash collision keeps nothing). The identifiers the subject's closure
grows by are whole identifier cells (`prefilter._values`), so the closure and the rows read are
those of the byte search; tests/test_idindex.py checks every subject's explanation against the
byte search.

An entry is used only while its file is unchanged: the same size, modification time, header,
delimiter, identifier columns (the mapping and the contract of today) and DuckDB version (its
hash function is not promised stable across versions). A changed or new file is searched by
bytes, as without an index; `explain` says when that happens. Files that the byte search would
not search line by line either (quotes, NUL, a lone CR, not UTF-8) are not indexed.

The index holds no identifier in clear, but a hash of a NIK can be found by trying NIKs: it is
personal data like the registers. It lives in the user's own cache folder (mode 0700), never
beside the data, and `spm-rules index --remove` deletes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..limits import DEFAULT_LIMITS, Limits
from ..resources import cache_root
from .contract import Contract
from .mapping import Mapping

FORMAT = 2  # 2: Parquet registers indexed too
META = "meta.json"
IDS = "ids.parquet"
ROW_GROUP = 8192  # rows per Parquet row group: a lookup reads a few of these
# what `str.strip()` strips (str.isspace), for DuckDB's regular expressions (RE2)
_SPACE = (
    r"[\t\n\x{0B}\x{0C}\r\x{1C}-\x{1F} \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}"
    r"\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}]"
)
_LONE_CR = re.compile(rb"\r(?!\n)")


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One indexed file as it was when indexed, and what the byte search needs of it."""

    number: int  # the file's number in the Parquet rows
    path: str  # resolved absolute path
    size: int
    mtime_ns: int
    header_line: int
    header: tuple[str, ...]
    delimiter: str
    body: int  # byte offset of the first line after the header
    columns: tuple[int, ...]  # the identifier cells' positions
    lines: int  # physical lines (CSV: as many as LFs + 1), or rows + 1 (Parquet: with a header)
    rows: int  # data rows: the lines after the header that are not blank, or the Parquet rows
    format: str = "csv"  # or "parquet": then `offset` is the row's number in the file (0-based)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file not indexed, and why (in both languages)."""

    name: str
    why: str
    why_en: str


@dataclass(frozen=True, slots=True)
class BuildReport:
    folder: str
    location: Path
    files: tuple[FileEntry, ...]
    skipped: tuple[Skipped, ...]
    entries: int
    size: int  # bytes of the index on disk
    seconds: float


def location(folder: Path) -> Path:
    """Where the index of a data folder lives: the user's cache, named by the folder's path."""
    digest = hashlib.sha256(str(folder.resolve()).encode("utf-8")).hexdigest()[:32]
    return cache_root() / "index" / digest


def _duckdb_version() -> str:
    from importlib.metadata import version

    return version("duckdb")


def id_columns(path: Path, header: list[str], mapping: Mapping, contract: Contract) -> tuple[int, ...] | None:
    """The positions of a CSV file's identifier cells under today's mapping and contract (None:
    the file is of no kind with identifiers, its rows are taken whole)."""
    from .prefilter import id_fields, mapped_columns

    kind = contract.kind(mapping.kind_name(path.name, None, path.stem))
    fields = id_fields(kind) if kind is not None else frozenset()
    if not fields:
        return None
    names = mapped_columns(path.name, None, header, mapping)
    return tuple(i for i, n in enumerate(names) if n in fields)


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _index_file(
    con: Any, number: int, path: Path, mapping: Mapping, contract: Contract
) -> FileEntry | Skipped:
    """Add one file's identifier cells to the `ids` table."""
    from .prefilter import _lines

    name = path.name
    raw = path.read_bytes()
    size, mtime = _stat(path)
    if len(raw) != size:
        return Skipped(name, "file berubah saat dibaca", "the file changed while it was read")
    if _LONE_CR.search(raw):
        return Skipped(name, "ada CR tanpa LF", "a CR without LF")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Skipped(name, "bukan UTF-8", "not UTF-8")
    lines = _lines(raw, mapping.header_row(path.name))
    if lines is None:
        return Skipped(
            name,
            "berisi tanda kutip atau NUL, atau tajuk tidak ditemukan",
            "holds quotes or NUL, or no header was found",
        )
    columns = id_columns(path, lines.header, mapping, contract)
    if columns is None:
        return Skipped(name, "jenis tanpa pengenal: dibaca utuh", "a kind without identifiers: read whole")
    width = len(lines.header)
    picked = ", ".join(f"cells[{i + 1}]" for i in columns)
    con.execute("DROP TABLE IF EXISTS l")
    con.execute(
        "CREATE TEMP TABLE l AS SELECT generate_subscripts(l, 1) AS n, unnest(l) AS line "
        "FROM (SELECT string_split(?, chr(10)) AS l)",
        [text],
    )
    del text, raw
    con.execute(
        f"""INSERT INTO ids
        SELECT {number}::USMALLINT, hash(tok), n::UINTEGER, off::UBIGINT FROM (
            SELECT n, off, unnest(CASE WHEN len(cells) = {width} THEN [{picked}] ELSE cells END) AS cell
            FROM (
                SELECT n, coalesce(sum(strlen(line) + 1) OVER (
                    ORDER BY n ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS off,
                    string_split(rtrim(line, chr(13)), ?) AS cells
                FROM l
            ) WHERE n > {lines.header_line}
        ), LATERAL (SELECT regexp_replace(cell, '^{_SPACE}+|{_SPACE}+$', '', 'g') AS tok)
        WHERE tok <> ''""",
        [lines.delimiter],
    )
    [(count, rows)] = con.execute(
        f"SELECT count(*), count(*) FILTER (n > {lines.header_line} AND rtrim(line, chr(13)) <> '') FROM l"
    ).fetchall()
    con.execute("DROP TABLE l")
    return FileEntry(
        number, str(path.resolve()), size, mtime, lines.header_line, tuple(lines.header),
        lines.delimiter, lines.body, columns, count, rows,
    )  # fmt: skip


# Parquet column types whose text as DuckDB casts it is the reader's (`tables._parquet_cell`)
_PARQUET_TEXT = re.compile(r"VARCHAR|(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?)|DATE")


def _index_parquet(
    con: Any, number: int, path: Path, mapping: Mapping, contract: Contract
) -> FileEntry | Skipped:
    """Add one Parquet file's identifier cells to the `ids` table; a row's "line" is its number
    in the file + 2, as the reader numbers it (the header is line 1)."""
    import duckdb

    name = path.name
    size, mtime = _stat(path)
    try:
        described = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        [(count,)] = con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchall()
    except duckdb.Error:
        return Skipped(name, "bukan file Parquet yang sah", "not a valid Parquet file")
    names = [str(d[0]) for d in described]
    header = [n.strip() for n in names]
    if "file_row_number" in names:
        return Skipped(name, "ada kolom bernama file_row_number", "a column is named file_row_number")
    columns = id_columns(path, header, mapping, contract)
    if columns is None:
        return Skipped(name, "jenis tanpa pengenal: dibaca utuh", "a kind without identifiers: read whole")
    cells = []
    for i in columns:
        column_type = str(described[i][1])
        if not _PARQUET_TEXT.fullmatch(column_type):
            return Skipped(
                name,
                f"kolom pengenal {header[i]} bertipe {column_type}",
                f"identifier column {header[i]} is {column_type}",
            )
        quoted = '"' + names[i].replace('"', '""') + '"'
        cells.append(f"CAST({quoted} AS VARCHAR)")
    if cells:
        con.execute(
            f"""INSERT INTO ids
            SELECT {number}::USMALLINT, hash(tok), (file_row_number + 2)::UINTEGER, file_row_number::UBIGINT
            FROM (SELECT file_row_number, unnest([{", ".join(cells)}]) AS cell
                  FROM read_parquet(?, file_row_number = true)),
            LATERAL (SELECT regexp_replace(cell, '^{_SPACE}+|{_SPACE}+$', '', 'g') AS tok)
            WHERE tok <> ''""",
            [str(path)],
        )
    at = str(path.resolve())
    return FileEntry(number, at, size, mtime, 1, tuple(header), "", 0, columns, count + 1, count, "parquet")


def build(folder: Path, files: list[tuple[Path, str]], mapping: Mapping, contract: Contract) -> BuildReport:
    """Index every CSV file of `files` (path, display name) that can be searched by lines; the
    index replaces any earlier one of the folder, written whole before it is put in place."""
    import duckdb

    started = time.perf_counter()
    target = location(folder)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    work = target.with_name(target.name + f".new-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=0o700)
    indexed: list[FileEntry] = []
    skipped: list[Skipped] = []
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = true")
        con.execute("CREATE TEMP TABLE ids (f USMALLINT, h UBIGINT, n UINTEGER, off UBIGINT)")
        for path, name in files:
            suffix = path.suffix.lower()
            if suffix == ".parquet":
                done = _index_parquet(con, len(indexed), path, mapping, contract)
            elif suffix == ".csv":
                done = _index_file(con, len(indexed), path, mapping, contract)
            else:
                skipped.append(Skipped(name, "bukan CSV/Parquet: dibaca utuh", "not CSV/Parquet: read whole"))
                continue
            if isinstance(done, Skipped):
                skipped.append(Skipped(name, done.why, done.why_en))
            else:
                indexed.append(done)
        [(entries,)] = con.execute("SELECT count(*) FROM ids").fetchall()
        target_sql = str(work / IDS).replace("'", "''")  # COPY takes no parameter for its file
        con.execute(
            f"COPY (SELECT * FROM ids ORDER BY h, f, n) TO '{target_sql}' "
            f"(FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP}, COMPRESSION zstd)"
        )
    finally:
        con.close()
    meta = {
        "format": FORMAT,
        "duckdb": _duckdb_version(),
        "folder": str(folder.resolve()),
        "files": [asdict(e) for e in indexed],
    }
    (work / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    for f in work.iterdir():
        f.chmod(0o600)
    old = target.with_name(target.name + f".old-{os.getpid()}")
    if target.exists():
        target.rename(old)
    work.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    size = sum(f.stat().st_size for f in target.iterdir())
    return BuildReport(
        str(folder), target, tuple(indexed), tuple(skipped), entries, size, time.perf_counter() - started
    )


def remove(folder: Path) -> bool:
    """Delete a folder's index; False when there was none."""
    target = location(folder)
    if not target.exists():
        return False
    shutil.rmtree(target)
    return True


@dataclass
class Index:
    """A folder's index as read from its meta file; the Parquet file is opened on first lookup."""

    where: Path
    files: dict[str, FileEntry]  # by resolved path
    stale: list[str] = field(default_factory=list)  # files searched by bytes though indexed
    _con: Any = None

    def entry(
        self,
        path: Path,
        header_row: int,
        mapping: Mapping,
        contract: Contract,
        limits: Limits = DEFAULT_LIMITS,
    ) -> FileEntry | None:
        """The file's entry while it is unchanged, else None (and the file is noted as stale).
        A Parquet file past the run's limits is left to the reader, which says so."""
        e = self.files.get(str(path.resolve()))
        if e is None:
            return None
        if e.format == "parquet" and (e.lines > limits.sheet_rows or len(e.header) > limits.sheet_columns):
            return None
        try:
            fresh = _stat(path) == (e.size, e.mtime_ns)
        except OSError:
            fresh = False
        if fresh:
            fresh = id_columns(path, list(e.header), mapping, contract) == e.columns
        if not fresh:
            self.stale.append(path.name)
            return None
        return e

    def lookup(self, keys: set[str]) -> dict[int, list[tuple[int, int]]]:
        """Per file number, the (line, offset) of the lines holding one of `keys` as a whole
        identifier cell (or a hash twin of one)."""
        if not keys:
            return {}
        con = self.connection()
        found = con.execute("SELECT DISTINCT hash(unnest(?::VARCHAR[]))", [sorted(keys)]).fetchall()
        hashes = [h for (h,) in found]
        wanted = ", ".join(str(h) for h in hashes)
        rows = con.execute(
            f"SELECT f, n, off FROM read_parquet(?) WHERE h IN ({wanted}) ORDER BY f, off",
            [str(self.where / IDS)],
        ).fetchall()
        out: dict[int, list[tuple[int, int]]] = {}
        for f, n, off in rows:
            out.setdefault(f, []).append((n, off))
        return out

    def connection(self) -> Any:
        """The index's DuckDB connection (in memory), opened on first use."""
        if self._con is None:
            import duckdb

            self._con = duckdb.connect()
        return self._con

    def parquet_rows(self, path: Path, numbers: list[int]) -> list[tuple]:
        """The rows of a Parquet file with these numbers (0-based), each row's values followed
        by its number, through the index's connection."""
        return (
            self.connection()
            .execute(
                "SELECT * EXCLUDE (file_row_number), file_row_number "
                "FROM read_parquet(?, file_row_number = true) WHERE file_row_number IN "
                "(SELECT unnest(?::UBIGINT[]))",
                [str(path), numbers],
            )
            .fetchall()
        )

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


def _turned_off() -> bool:
    return os.environ.get("SPM_RULES_NO_INDEX", "") not in ("", "0")


def open_index(folder: Path) -> Index | None:
    """The folder's index, or None when there is none, it is unreadable, of another format or
    of another DuckDB version (then `explain` searches by bytes, as without one), or when
    `SPM_RULES_NO_INDEX` is set (to anything but 0 or empty: benchmarks, a doubt)."""
    if _turned_off():
        return None
    where = location(folder)
    try:
        meta = json.loads((where / META).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT or not (where / IDS).is_file():
            return None
        if meta.get("duckdb") != _duckdb_version():
            return None
        files = {}
        for raw in meta["files"]:
            e = FileEntry(**{**raw, "header": tuple(raw["header"]), "columns": tuple(raw["columns"])})
            files[e.path] = e
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Index(where, files)


@dataclass(frozen=True, slots=True)
class IndexStatus:
    """What `explain` should tell about a folder's index: none (and how much there is to
    search), or the CSV files it no longer covers."""

    exists: bool
    stale: tuple[str, ...]  # CSV files changed or added since the index was built
    csv_bytes: int
    unusable: bool = False  # an index is there but of another format or DuckDB, or damaged


LARGE = 256 * 1024 * 1024  # CSV bytes from which `explain` suggests building an index


def status(folder: Path, paths: list[Path]) -> IndexStatus:
    """Compare the folder's CSV files with its index by size and modification time (the
    columns are compared when the index is used)."""
    csv = [p for p in paths if p.suffix.lower() == ".csv"]
    total = sum(p.stat().st_size for p in csv if p.exists())
    index = open_index(folder)
    if index is None:
        return IndexStatus(False, (), total, not _turned_off() and location(folder).is_dir())
    stale = []
    for p in csv:
        e = index.files.get(str(p.resolve()))
        try:
            if e is not None and _stat(p) != (e.size, e.mtime_ns):
                stale.append(p.name)
        except OSError:
            stale.append(p.name)
    return IndexStatus(True, tuple(stale), total)
