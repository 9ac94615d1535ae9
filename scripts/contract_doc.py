"""Regenerate docs/data-contract.md from the JSON Schemas (the schemas are the source of truth).

Run: python scripts/contract_doc.py
"""

from __future__ import annotations

from pathlib import Path

from spm_rules.registers.contract import load_contract

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-contract.md"

INTRO = """# Data contract for registers

A data folder holds one CSV file per record kind, named after the kind (`kunjungan_anc.csv`).
The JSON Schemas in `src/spm_rules/registers/schemas/` are the contract; this page is generated
from them (`python scripts/contract_doc.py`). The rule checker reads field names and types from
the same schemas, so a rule can only use columns that exist here.

Registers hold **raw observations** — dates, provider type, measured values, lab results, doses,
tablets given — never pre-computed yes/no flags per criterion.

## Reading rules

- Encoding UTF-8 (with or without BOM) or Windows-1252; delimiter `,` or `;` (as Indonesian Excel
  writes), detected from the header line.
- The header names the columns; their order does not matter. A required column that is absent
  rejects every row of the file, with a reason. An unknown extra column is reported and ignored.
- An empty cell is *not recorded* (missing). Numbers may use a decimal comma (`23,5`). Dates:
  `YYYY-MM-DD` or day first `DD/MM/YYYY`, `DD-MM-YYYY`, `DD.MM.YYYY`; an impossible date is an
  error on that row.
- Every row is validated against its kind's schema (types, code lists, plausible ranges). A row
  with any error is rejected; each problem names file, line, column, value and reason, in
  Indonesian or English. `check` goes on with the valid rows and prints the problems; `--strict`
  makes any rejected row fatal (exit 2).
- A CSV file whose name is not a kind is reported as not a known register.
- Sasaran rows with `fasilitas` = `*` (or `SEMUA`) are the whole area's denominator.

Richer input (XLSX, column mapping, NIK cross-checks, linkage across facilities, the row ledger)
is issue #4.
"""


def render() -> str:
    out = [INTRO]
    for kind in load_contract().kinds.values():
        out += [f"## `{kind.name}.csv` — {kind.title}", "", kind.description, ""]
        if kind.key:
            out.append(f"Key: `{kind.key}`.")
        if kind.date_field:
            out.append(f"Date of the record: `{kind.date_field}` (used by `in period` and for ordering).")
        out += [
            "",
            "| column | type | unit | required | values / range | meaning |",
            "|---|---|---|---|---|---|",
        ]
        for f in kind.fields.values():
            spec = kind.schema["properties"][f.name]
            if f.enum:
                values = ", ".join(f.enum)
            elif "minimum" in spec:
                values = f"{spec['minimum']}–{spec['maximum']}"
            elif "pattern" in spec:
                values = f"`{spec['pattern']}`"
            else:
                values = ""
            required = "yes" if f.required else ""
            out.append(
                f"| `{f.name}` | {f.type} | {f.unit or ''} | {required} | {values} | {f.description} |"
            )
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
