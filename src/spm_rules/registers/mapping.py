"""Column mapping: read a local export, with its own headers and codes, into the contract.

A mapping file (`mapping.yaml` in the data folder, or `--mapping FILE`):

```yaml
values:                         # code lists used by every table
  jenis_kelamin: {L: L, P: P, Laki-laki: L, Perempuan: P}
tables:
  - match: "kohort_ibu*.xlsx"   # file name (glob); for XLSX also `sheet: Kunjungan`
    sheet: Kunjungan
    kind: kunjungan_anc         # the record kind of the data contract
    header_row: 3               # rows above it are titles
    columns:                    # local header -> contract field
      "No. Register": id_kehamilan
      "Tgl Kunjungan": tanggal
      "BB (kg)": berat_badan
      "Bidan/Dokter": penolong
    values:                     # local code -> contract code; ~ means not recorded
      penolong: {Bidan: bidan, Dokter: dokter, "Dokter SpOG": dokter_spog}
      konseling: {V: ya, X: tidak}  # yes/no fields read ya/tidak, Y/T, 1/0, sudah/belum alone
    constants:                  # fields the export does not have
      fasilitas: PKM Cibitung
```
A table with no mapping entry is read as the kind named by its file (or sheet) name.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from ..messages import BilingualError
from .contract import Contract


class MappingError(BilingualError):
    """Mapping problems, in both languages."""


@dataclass(frozen=True)
class TableMapping:
    match: str
    kind: str
    sheet: str | None = None
    header_row: int = 1
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)

    def code(self, column: str, text: str) -> str | None:
        """The contract code for a local code (this table's codes, then the mapping's), or the
        text unchanged; None when the local code means "not recorded"."""
        codes = self.values.get(column)
        if codes is None:
            return text
        if text in codes:
            return codes[text]
        low = {str(k).lower(): v for k, v in codes.items()}
        return low.get(text.lower(), text)

    def matches(self, file_name: str, sheet: str | None) -> bool:
        if not fnmatch.fnmatch(file_name.lower(), self.match.lower()):
            return False
        return self.sheet is None or self.sheet == sheet


@dataclass(frozen=True)
class Mapping:
    tables: tuple[TableMapping, ...] = ()
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    source: str | None = None

    def for_table(self, file_name: str, sheet: str | None) -> TableMapping | None:
        """The one mapping of a table (file or sheet), with the mapping-wide codes merged in:
        what the readers need of the mapping, resolved once per table."""
        table = next((t for t in self.tables if t.matches(file_name, sheet)), None)
        if table is None:
            return TableMapping("*", "", values=self.values) if self.values else None
        return replace(table, values={**self.values, **table.values})

    def kind_name(self, file_name: str, sheet: str | None, stem: str) -> str:
        """The record kind a table is read as: its mapping's, else its own name (file stem or
        sheet)."""
        table_map = self.for_table(file_name, sheet)
        return (table_map.kind if table_map else "") or stem

    def header_row(self, file_name: str) -> int:
        rows = {t.header_row for t in self.tables if t.matches(file_name, t.sheet)}
        return rows.pop() if len(rows) == 1 else 1


SCHEMA_FILE = Path(__file__).resolve().parent / "mapping.schema.json"
MAX_ALIASES = 100


class _BoundedLoader(yaml.SafeLoader):
    """A YAML loader that refuses alias bombs ("billion laughs"): few aliases, no deep nesting."""

    aliases_seen = 0
    max_aliases = MAX_ALIASES

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            self.aliases_seen += 1
            if self.aliases_seen > self.max_aliases:
                raise MappingError(
                    f"terlalu banyak alias YAML (&/*) — lebih dari {self.max_aliases}; "
                    "tulis nilainya langsung, atau naikkan dengan --limit yaml_aliases=N",
                    f"too many YAML aliases (&/*) — more than {self.max_aliases}; write the values out, "
                    "or raise the limit with --limit yaml_aliases=N",
                )
        return super().compose_node(parent, index)


def _schema_errors(doc: object, path: Path) -> list[str]:
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    out = []
    for err in sorted(Draft202012Validator(schema).iter_errors(doc), key=lambda e: list(e.absolute_path)):
        where = ".".join(str(p) for p in err.absolute_path) or "(akar / root)"
        out.append(f"{where}: {err.message}")
    return out


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    return str(value)


def load_mapping(path: Path, contract: Contract, max_aliases: int = MAX_ALIASES) -> Mapping:
    """Read and check a mapping file: its form against the published schema
    (`mapping.schema.json`), then its meaning against the data contract."""
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise MappingError(
            f"{path}: ini folder, bukan file pemetaan", f"{path}: a folder, not a mapping file"
        ) from None
    except FileNotFoundError:
        raise MappingError(
            f"{path}: file pemetaan tidak ditemukan", f"{path}: mapping file not found"
        ) from None
    except OSError as err:
        raise MappingError(
            f"{path}: file pemetaan tidak bisa dibaca: {err.strerror}",
            f"{path}: cannot read the mapping: {err.strerror}",
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MappingError(
            f"{path}: file pemetaan bukan UTF-8; simpan sebagai UTF-8",
            f"{path}: the mapping is not UTF-8; save it as UTF-8",
        ) from None
    loader = _BoundedLoader(text)
    loader.max_aliases = max_aliases
    try:
        doc = loader.get_single_data() or {}
    except yaml.YAMLError as err:
        raise MappingError(f"{path}: YAML tidak sah: {err}", f"{path}: invalid YAML: {err}") from None
    finally:
        loader.dispose()
    problems = _schema_errors(doc, path)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; … (+{len(problems) - 5})" if len(problems) > 5 else "")
        raise MappingError(
            f"{path}: pemetaan tidak sesuai skema (mapping.schema.json): {shown}",
            f"{path}: the mapping does not fit its schema (mapping.schema.json): {shown}",
        )
    assert isinstance(doc, dict)
    values = {
        str(col): {str(k): _text(v) for k, v in codes.items()}
        for col, codes in (doc.get("values") or {}).items()
    }
    tables = []
    for n, t in enumerate(doc.get("tables") or [], start=1):
        where = f"{path}: tables[{n}]"
        kind = contract.kind(str(t["kind"]))
        if kind is None:
            raise MappingError(
                f"{where}: jenis catatan '{t['kind']}' tidak ada dalam kontrak data",
                f"{where}: record kind '{t['kind']}' is not in the data contract",
            )
        columns = {str(k): (None if v is None else str(v)) for k, v in (t.get("columns") or {}).items()}
        targets: dict[str, str] = {}
        for local, target in columns.items():
            if target is None:
                continue
            if target not in kind.fields:
                raise MappingError(
                    f"{where}: kolom '{local}' dipetakan ke '{target}', yang tidak ada di {kind.name}",
                    f"{where}: column '{local}' maps to '{target}', which {kind.name} does not have",
                )
            if target in targets:
                raise MappingError(
                    f"{where}: kolom '{targets[target]}' dan '{local}' sama-sama dipetakan ke '{target}'",
                    f"{where}: columns '{targets[target]}' and '{local}' both map to '{target}'",
                )
            targets[target] = local
        constants = {str(k): _text(v) or "" for k, v in (t.get("constants") or {}).items()}
        for field_name in constants:
            if field_name not in kind.fields:
                raise MappingError(
                    f"{where}: konstanta '{field_name}' tidak ada di {kind.name}",
                    f"{where}: constant '{field_name}' is not a field of {kind.name}",
                )
            if field_name in targets:
                raise MappingError(
                    f"{where}: '{field_name}' diberi konstanta dan juga dipetakan dari kolom "
                    f"'{targets[field_name]}'",
                    f"{where}: '{field_name}' is given a constant and also mapped from column "
                    f"'{targets[field_name]}'",
                )
        tables.append(
            TableMapping(
                match=str(t["match"]),
                kind=kind.name,
                sheet=str(t["sheet"]) if t.get("sheet") is not None else None,
                header_row=int(t.get("header_row", 1)),
                columns={k: v for k, v in columns.items() if v is not None},
                values={
                    str(c): {str(k): _text(x) for k, x in v.items()}
                    for c, v in (t.get("values") or {}).items()
                },
                constants=constants,
            )
        )
    return Mapping(tuple(tables), values, str(path))
