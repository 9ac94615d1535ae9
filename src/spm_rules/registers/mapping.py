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
      konseling: {Ya: "konseling", Tidak: ~}
    constants:                  # fields the export does not have
      fasilitas: PKM Cibitung
```
A table with no mapping entry is read as the kind named by its file (or sheet) name.
"""

from __future__ import annotations

import fnmatch
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

    def header_row(self, file_name: str) -> int:
        rows = {t.header_row for t in self.tables if t.matches(file_name, t.sheet)}
        return rows.pop() if len(rows) == 1 else 1


def _str_map(value: object, where: str) -> dict[str, str | None]:
    if not isinstance(value, dict):
        raise MappingError(f"{where} harus berupa pemetaan", f"{where} must be a mapping")
    return {str(k): (None if v is None else str(v)) for k, v in value.items()}


def load_mapping(path: Path, contract: Contract) -> Mapping:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise MappingError(f"{path}: YAML tidak sah: {err}", f"{path}: invalid YAML: {err}") from None
    if not isinstance(doc, dict):
        raise MappingError(f"{path}: harus berupa pemetaan", f"{path}: must be a mapping")
    values = {
        str(col): _str_map(codes, f"{path}: values.{col}") for col, codes in (doc.get("values") or {}).items()
    }
    tables = []
    for n, t in enumerate(doc.get("tables") or [], start=1):
        where = f"{path}: tables[{n}]"
        if not isinstance(t, dict) or "match" not in t or "kind" not in t:
            raise MappingError(f"{where} perlu 'match' dan 'kind'", f"{where} needs 'match' and 'kind'")
        kind = contract.kind(str(t["kind"]))
        if kind is None:
            raise MappingError(
                f"{where}: jenis catatan '{t['kind']}' tidak ada dalam kontrak data",
                f"{where}: record kind '{t['kind']}' is not in the data contract",
            )
        columns = _str_map(t.get("columns") or {}, f"{where}.columns")
        for local, target in columns.items():
            if target not in kind.fields:
                raise MappingError(
                    f"{where}: kolom '{local}' dipetakan ke '{target}', yang tidak ada di {kind.name}",
                    f"{where}: column '{local}' maps to '{target}', which {kind.name} does not have",
                )
        tables.append(
            TableMapping(
                match=str(t["match"]),
                kind=kind.name,
                sheet=str(t["sheet"]) if t.get("sheet") is not None else None,
                header_row=int(t.get("header_row", 1)),
                columns={k: v for k, v in columns.items() if v is not None},
                values={
                    str(c): _str_map(v, f"{where}.values.{c}") for c, v in (t.get("values") or {}).items()
                },
                constants={str(k): str(v) for k, v in (t.get("constants") or {}).items()},
            )
        )
    return Mapping(tuple(tables), values, str(path))
