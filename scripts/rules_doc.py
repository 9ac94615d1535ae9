"""Write docs/rules-2016.md, rules-2019.md and rules-2024.md from the rule files: the auditors' view of the
bundled rule sets (Permenkes 43/2016 as adopted by Perbup Bekasi 106/2017; Permenkes 4/2019).

The page is generated so that it always says what the engine runs; a test keeps it current.
Run: python scripts/rules_doc.py
"""

from __future__ import annotations

from pathlib import Path

from spm_rules.lang import ast as A
from spm_rules.lang.loader import load_rules
from spm_rules.lang.printer import format_decimal, to_source
from spm_rules.report.words import expr_words, human

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "permenkes-43-2016"
DOC = ROOT / "docs" / "rules-2016.md"

# version: (rule folder, page, heading, the sentence naming the sources)
SETS = {
    "2016": (
        RULES,
        DOC,
        "# Aturan SPM Kesehatan 2016 — untuk auditor",
        [
            "Sumber: `juknis` = Lampiran Perbup Bekasi",
            "106/2017 (`shared/seeds/004_a23f4f9cba0851d9.txt`), `permenkes_4_2019` =",
            "`shared/sources/permenkes-4-2019.txt`; nomor baris merujuk file itu.",
        ],
    ),
    "2019": (
        ROOT / "rules" / "permenkes-4-2019",
        ROOT / "docs" / "rules-2019.md",
        "# Aturan SPM Kesehatan 2019 (Permenkes 4/2019) — untuk auditor",
        [
            "Sumber: `pmk2019` = Lampiran Permenkes",
            "4/2019 (`shared/sources/permenkes-4-2019.txt`); nomor baris merujuk file itu. Definisi",
            "bersama (usia kehamilan, trimester, kode ICD-10, antigen) ada di `rules/shared/`.",
        ],
    ),
    "2024": (
        ROOT / "rules" / "permenkes-6-2024",
        ROOT / "docs" / "rules-2024.md",
        "# Aturan SPM Kesehatan 2024 (Permenkes 6/2024, SEMENTARA) — untuk auditor",
        [
            "**Rule set SEMENTARA**: teks Permenkes 6/2024",
            "tidak tersedia; kriteria disusun dari sumber sekunder. Sumber: `sekunder` =",
            "`shared/sources/permenkes-6-2024-secondary.md`, `lkip2024` = LKIP Dinkes Kota Bekasi 2024",
            "(`shared/seeds/000_30b7a07a3ec8bff0.txt`), `pmk2019` = Permenkes 4/2019. Layanan yang",
            "kriterianya menurut 2024 tidak diketahui memakai standar Permenkes 4/2019 apa adanya.",
        ],
    ),
}


def _cite(c: A.Citation | None) -> str:
    if c is None:
        return ""
    lines = f"{c.line_from}" if c.line_from == c.line_to else f"{c.line_from}–{c.line_to}"
    section = f" {c.section}" if c.section else ""
    return f"{c.source}{section}, baris {lines}"


Names = dict[str, str]


def _names(rs, std: A.Standard) -> Names:
    """The words for named values: a value set's or a `let`'s label, else the name in words."""
    names = {v.name: v.label for v in rs.valuesets.values() if v.label}
    names.update({let.name: let.label for let in std.lets if let.label})
    return names


def _say(expr: A.Expr | None, names: Names) -> str:
    return expr_words(expr, "id", names)


def _population(std: A.Standard, names: Names) -> str:
    pop = std.population
    if isinstance(pop, A.Literal) and pop.value is True:
        return "semua subjek dalam periode"
    return _say(pop, names)


def _denominator(std: A.Standard, names: Names) -> str:
    parts = []
    for alt in std.denominator:
        counted = "jumlah subjek dalam populasi yang tercatat"
        parts.append(counted if alt.expr is None else _say(alt.expr, names))
    return "; bila tidak ada: ".join(parts)


def _criteria(nodes, names: Names, depth: int = 0) -> list[str]:
    out = []
    for n in nodes:
        pad = "  " * depth
        cite = _cite(n.citations[0]) if n.citations else ""
        own = {**names, **{let.name: let.label for let in getattr(n, "lets", ()) if let.label}}
        when = f" — berlaku bila {_say(n.when, own)}" if n.when is not None else ""
        if isinstance(n, A.Group):
            out.append(f"{pad}- **{n.label}** (`{n.id}`){when} [{cite}]")
            out += _criteria(n.children, names, depth + 1)
            continue
        info = " *(informasi, tidak menentukan)*" if n.informative else ""
        out.append(f"{pad}- {n.label} (`{n.id}`){info}{when} [{cite}]")
        for let in n.lets:
            out.append(f"{pad}  - dengan *{let.label or human(let.name)}* = {_say(let.expr, own)}")
        unit = f" ({n.unit})" if n.unit else ""
        out.append(f"{pad}  - dinilai: {_say(n.require, own)}{unit}")
    return out


def _values(std: A.Standard, names: Names) -> list[str]:
    out = []
    for link in std.links:
        how = "catatan" if link.many else "satu catatan"
        period = " dalam periode" if link.in_period else ""
        out.append(f"- *{human(link.name)}*: {how} `{link.kind}` dengan {human(link.by)} yang sama{period}")
    for let in std.lets:
        out.append(f"- *{let.label or human(let.name)}* = {_say(let.expr, names)}")
    return out


def _notes(std: A.Standard) -> list[tuple[str, A.Note]]:
    notes = [("standar", n) for n in std.header.notes]
    for node in A.iter_nodes(std.criteria):
        notes += [(node.id, n) for n in node.notes]
    return notes


def render(version: str = "2016") -> str:
    folder, _doc, heading, sources = SETS[version]
    rs = load_rules(folder)
    h = rs.header
    first, *rest = sources
    out = [
        heading,
        "",
        f"Rule set `{rs.name}`: {h.title}. Berlaku {h.effective_from} s.d. {h.effective_to or '-'}.",
        "Halaman ini dibuat dari file aturan (`python scripts/rules_doc.py`); uji memastikan ia",
        f"selalu sama dengan yang dijalankan mesin. {first}",
        *rest,
        "",
        "## Dua belas pelayanan",
        "",
        "| # | standar | subjek | periode | populasi (sasaran) | atribusi | penyebut | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    periods = {"year": "tahun", "school_year": "tahun ajaran", "quarter": "triwulan", "month": "bulan"}
    for i, std in enumerate(rs.standards.values(), start=1):
        names = _names(rs, std)
        period = periods.get(std.period_kind or "", std.period_kind or "")
        if std.period_on:
            period += f", menurut {_say(std.period_on, names)}"
        target = f"{format_decimal(std.target * 100)} %" if std.target is not None else ""
        out.append(
            f"| {i} | `{std.id}` {std.header.title} | {std.subject_label} (`{std.subject_kind}`) "
            f"| {period} | {_population(std, names)} | {_say(std.attribute, names)} "
            f"| {_denominator(std, names)} | {target} |"
        )
    out += [
        "",
        "Sesuai standar = di dalam populasi, dan setiap kriteria yang tidak bertanda",
        "*informasi* terpenuhi atau tidak berlaku. Setiap syarat ditulis dengan kata-kata",
        "(dari `report/words.py`, yang juga dipakai `explain`); teks aturannya ada di file",
        "`.spm` dan di `explain --verbose`. Nama dalam huruf miring adalah nilai yang",
        "diuraikan di bawah judul setiap pelayanan; nama fungsi bersama (mis. *trimester*)",
        "diuraikan di akhir halaman.",
        "",
    ]
    for i, std in enumerate(rs.standards.values(), start=1):
        out += [
            f"## {i}. {std.header.title} (`{std.id}`)",
            "",
            f"Sumber: {_cite(std.header.citations[0])}."
            + (
                f" Dasar: **{std.header.regulation}** (dari rule set lain, apa adanya)."
                if std.header.regulation and std.header.version != h.version
                else ""
            ),
            "",
            "Nilai dan catatan yang dipakai:",
            "",
        ]
        names = _names(rs, std)
        out += _values(std, names)
        out += ["", "Kriteria:", ""]
        out += _criteria(std.criteria, names)
        notes = _notes(std)
        if notes:
            out += ["", "Catatan tafsiran:", ""]
            for where, note in notes:
                see = f" [{_cite(note.see)}]" if note.see else ""
                out.append(f"- (`{where}`) {note.text}{see}")
        out.append("")
    if rs.params:
        out += ["## Parameter", "", "Nilai yang diperselisihkan sumber; ubah untuk satu run dengan"]
        out += ["`--param NAMA=NILAI`.", ""]
        out += [f"- `{d.name}` = {to_source(d.body)}: {d.label or human(d.name)}" for d in rs.params.values()]
        out.append("")
    out += ["## Definisi bersama", ""]
    for d in rs.defines.values():
        if d.is_param:
            continue
        params = f" ({', '.join(human(p) for p in d.params)})" if d.params else ""
        out.append(f"- *{human(d.name)}{params}* = {expr_words(d.body, 'id')}")
    out += ["", "## Himpunan nilai", ""]
    for v in rs.valuesets.values():
        items = ", ".join(f"`{i.value}`" for i in v.items)
        out.append(f"- *{v.label or human(v.name)}* (`{v.name}`): {items}")
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    for version, (_folder, doc, _heading, _sources) in SETS.items():
        doc.write_text(render(version), encoding="utf-8")
