"""Regenerate docs/data-contract.md from the JSON Schemas (the schemas are the source of truth).

Run: python scripts/contract_doc.py
"""

from __future__ import annotations

from pathlib import Path

from spm_rules.registers.contract import load_contract

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-contract.md"

INTRO = """# Data contract for registers

A data folder holds the registers: one table per record kind. The JSON Schemas in
`src/spm_rules/registers/schemas/` are the contract; this page is generated from them
(`python scripts/contract_doc.py`, kept current by a test). The rule checker reads field names and
types from the same schemas, so a rule can only use columns that exist here.

Registers hold **raw observations** — dates, provider type and STR, measured values with units,
lab results, immunisations by antigen and dose, drugs and quantities, diagnoses, screening
scores, enrolment — never pre-computed yes/no flags per criterion.

## Files

- **CSV** (UTF-8 with or without BOM, or Windows-1252; `,` or `;` as Indonesian Excel writes,
  detected from the header line), **XLSX** (every sheet is a table; line numbers are Excel row
  numbers; messages name `file.xlsx[Sheet]`), **JSON Lines** (`.jsonl`, one object per line) and
  **Parquet** (`.parquet`, read through DuckDB; typed values are read as a CSV export would
  write them — dates `yyyy-mm-dd`, whole numbers without `.0`, booleans `ya`/`tidak` — and
  "line" is the row number + 1, the header being line 1; a damaged file is refused in words).
- Without a mapping, a file (or sheet) is read as the kind it is named after:
  `kunjungan_anc.csv`, a sheet called `penduduk`. A file that is not a kind is reported, and its
  rows are counted as rejected: nothing is skipped silently.
- **Column mapping** (`mapping.yaml` in the data folder, or `--mapping FILE`) reads a local export
  with its own headers, title rows and codes into the contract: `columns` (local header → field),
  `values` (local code → contract code, `~` for "not recorded"), `constants` (fields the export
  lacks), `header_row`, and `match`/`sheet` to choose the table. Local codes of a yes/no field
  are translated the same way (`konseling: {V: ya, X: tidak}`); the built-in spellings below
  need no mapping. A documented example for a Kohort Ibu-style workbook:
  [`docs/examples/kohort-ibu.mapping.yaml`](examples/kohort-ibu.mapping.yaml)
  (exercised by `tests/test_registers.py`).

## Cells

- An empty cell is *not recorded* (missing). Numbers may use a decimal comma (`23,5`).
- Times of day (type `time`, e.g. `jam_lahir`): `07:05`, `7:05`, `07.05` or `07:05:00`, on a
  24-hour clock, held as `HH:MM`; anything else is an error on that row. `hours_between()`
  combines a date and a time (KN1 is 6-48 hours after birth).
- Yes/no fields (type `boolean`, e.g. `usg`, `edukasi`): `ya`/`y`/`true`/`1`/`yes` or
  `tidak`/`t`/`false`/`0`/`no`; anything else is an error on that row.
- Dates: ISO `2024-03-12` (also `2024/03/12`, or with a zero time part as Excel writes it); day
  first `12/03/2024`, `12-03-2024`, `12.03.2024`; month names in Indonesian or English, full or
  short (`12 Maret 2024`, `5 Agt 2018`, `12-Mar-24`); Excel serial numbers (`45363`). A two-digit
  year is accepted only beside a month name and is the latest such year not in the future;
  `03/04/05` is refused as ambiguous. An impossible date (`31/02/2024`) or one in the future is
  an error on that row.
- A CSV cell starting with `=`, `+`, `-` or `@` is data, never evaluated; whenever spm-rules
  writes a cell back out (the ledger), such text is prefixed with `'` so that a spreadsheet shows
  it as text.

## Evidence fields: what was done or given

Every field that records that something was done or given — the attendant's STR, counselling,
education, diet and physical-activity advice, hygiene care, adherence evaluation, the MTBM
examination, lab results, complications, tablets — is marked **evidence** in the tables below
(`x-evidence` in the schema) and has a declared type:

- **yes/no** (`bool`): `ya`, `y`, `yes`, `true`, `1`, `sudah`, `ada` are yes; `tidak`, `t`, `no`,
  `n`, `false`, `0`, `belum`, `-`, `tidak ada` are no; `tidak diketahui` is not recorded (case
  and spaces do not matter). Anything else is outside the type (see below).
- **a code from a value set** (`string` with values), **a number**, or **a registration number**
  (the STR: letters, digits, `. / -` and at least one digit).

In an evidence field, `tidak`, `belum`, `-`, `0`, `tidak ada` and `tidak diketahui` are never
"done": a yes/no reads them as no (`tidak diketahui`: not recorded), any other type as not
recorded (a number keeps its `0`). So an STR of `-` is no STR, a hygiene field of `tidak` is no
hygiene care, and `komplikasi: tidak ada` is no complication. Rules test a yes/no field for yes
(`v.konseling == true`), never merely for a value.

## Rows

Every row is checked against its kind's schema: types, code lists, plausible ranges (a systolic
pressure of 20 or 400 mmHg, a height of 20 m), lengths (500 characters at most). A row with any
error is **rejected**; each problem names file, line, column, value and reason, in Indonesian or
English (`--lang`).

An **optional** field whose value has an unexpected form — not a number, not yes/no, a code
outside its list, the wrong pattern (`visus` written `normal`) — does not reject the row: that
field becomes not recorded, the row gets a **warning** naming file, line, column and value, and
the rest of the row is used. Required fields, dates, the fields that name a person or a subject
(NIK, local id, facility, pregnancy number) and implausible ranges stay errors that reject the
row. `spm-rules validate DATA` lists every problem with a summary and exits 1 when
rows were rejected; `check` goes on with the valid rows and reports what it rejected; `check
--strict` makes any rejected row fatal (exit 2).

After every row is read, records are checked against each other:
- a service dated before the person's birth date is rejected;
- the birth date and sex encoded in a NIK (digits 7–12 are DDMMYY, women's day + 40) are compared
  with `tanggal_lahir` and `jenis_kelamin`: a mismatch is a **warning**, and nothing is changed;
- an exact duplicate of an earlier row (the same export loaded twice) counts once and is
  reported with the place of the first.

## Linkage

One person is one subject however many facilities served them. Records name a person by **NIK**,
or, where there is none, by **`id_lokal`** (medical-record or register number) **together with
`fasilitas`**: a local id is only valid inside the facility that issued it. The reader derives
`id_orang` — the NIK, or `fasilitas#id_lokal` — and rules link people by it (`record ibu =
penduduk by id_orang`). This linkage is declared in each schema, not in code:
`x-spm.identity` names the derived field and its alternatives (`[["nik"], ["fasilitas",
"id_lokal"]]`, joined by `#`), and `x-spm.person_register` names the kind that holds each
person's birth date and sex (the cross-record checks read it).

A field marked `x-personal: nik` holds an identity number: with `--mask-nik`, every value read
from such a column — valid or rejected, whatever its length or spacing — is masked in every
output. Visits at a Puskesmas and at a private midwife under the same NIK, or
under the same pregnancy number, combine into one subject, attributed as the standard declares.

**One episode, however many facilities.** A pregnancy recorded at a Puskesmas and at a private
midwife under two local pregnancy numbers is still one pregnancy. `x-spm.episode` declares how
such rows are recognised: the same person (`by`: `id_orang`, the NIK or local id) and episode
dates at most `tolerance_days` apart. For `kehamilan` the date is `hpht` and the tolerance
**28 days**: an HPHT recalled at two facilities, or re-estimated by ultrasound, differs by up to
two weeks either way, while two pregnancies of one woman cannot begin within four weeks of each
other. For `kasus_tb` the date is `tanggal_diagnosis` and the tolerance **60 days** (a case
diagnosed at one facility and registered again at another while on treatment). The later row is
merged into the first (its empty fields filled; where both are recorded the first row's value
wins and the difference is reported); every record that names the later number (ANC visits,
the delivery) is linked to the first number, so visits, labs, tablets and immunisations of both
combine; the later row's fate is `duplicate` in the ledger, and `validate`/`check` report the
merge as a warning naming both numbers, the days apart and the tolerance.

When a register has no shared pregnancy number, an ANC visit can name its pregnancy by the
mother's NIK instead (`kunjungan_anc.nik`; `x-spm.episode_link`): it is linked to the one
pregnancy of that woman whose span holds the visit date — from HPHT to the delivery date, or,
without one, to HPHT + 294 days (42 weeks). A visit that no pregnancy of hers spans, or that
two span, is linked to none and reported as a warning; a visit needs a pregnancy number or
the mother's NIK.

## The ledger

For every run and every input file: rows read = rows used as evidence + rows out of scope +
rows rejected. `check` prints the balance per file and refuses to report (exit 2) if it does not
hold. `check --ledger FILE` writes each row's fate as CSV: file, line, kind, fate (`dipakai`,
`di luar cakupan`, `ditolak`), reason, standard, subject. Reasons for "out of scope" include:
a duplicate; a subject outside the period or the population; a record linked to such a subject;
a record that does not meet a rule's condition (e.g. a screening dated outside the period); a
record linked to a subject in scope but needed by no criterion; a record no standard uses.

`check --standard ID` with a period given (`--period`, or a worked example's manifest) reads
only the files of the kinds its standards read, with those the checks across records need
(the person register for a dated service, a pregnancy a visit or a delivery is linked to).
Every other CSV, JSON Lines or Parquet file of a known kind is **not read**: the balance
lists it after the files read ("16 file tidak dibaca karena standar yang dipilih tidak memakai
jenis catatannya …"), JSON gives it in `ledger.not_read`, the HTML report beside its input
files, and `--ledger` writes one row for it with no line, fate `tidak dibaca` and the reason.
Its rows are not counted as read, and problems in them are not reported: run `check` without
`--standard`, or `validate`, to check every file. A file whose kind is not known and a
workbook (its sheets' kinds are known only inside it) are always read.
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
                values = "`" + spec["pattern"].replace("|", "\\|") + "`"
            else:
                values = ""
            required = "yes" if f.required else ""
            kind_of = ("yes/no" if f.type == "bool" else f.type) + (" · evidence" if f.evidence else "")
            out.append(
                f"| `{f.name}` | {kind_of} | {f.unit or ''} | {required} | {values} | {f.description} |"
            )
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
