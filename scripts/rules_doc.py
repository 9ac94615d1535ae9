"""Write docs/rules-2016.md and docs/rules-2019.md from the rule files: the auditors' view of the
bundled rule sets (Permenkes 43/2016 as adopted by Perbup Bekasi 106/2017; Permenkes 4/2019).

The page is generated so that it always says what the engine runs; a test keeps it current.
Run: python scripts/rules_doc.py
"""

from __future__ import annotations

from pathlib import Path

from spm_rules.lang import ast as A
from spm_rules.lang.loader import load_rules
from spm_rules.lang.printer import format_decimal, to_source

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
}


def _cite(c: A.Citation | None) -> str:
    if c is None:
        return ""
    lines = f"{c.line_from}" if c.line_from == c.line_to else f"{c.line_from}–{c.line_to}"
    section = f" {c.section}" if c.section else ""
    return f"{c.source}{section}, baris {lines}"


def _denominator(std: A.Standard) -> str:
    parts = []
    for alt in std.denominator:
        parts.append("dihitung dari catatan (`counted`)" if alt.expr is None else f"`{to_source(alt.expr)}`")
    return "; bila tidak ada: ".join(parts)


def _criteria(nodes, depth: int = 0) -> list[str]:
    out = []
    for n in nodes:
        pad = "  " * depth
        cite = _cite(n.citations[0]) if n.citations else ""
        if isinstance(n, A.Group):
            when = f" — berlaku bila `{to_source(n.when)}`" if n.when is not None else ""
            out.append(f"{pad}- **{n.label}** (`{n.id}`){when} [{cite}]")
            out += _criteria(n.children, depth + 1)
        else:
            info = " *(informasi, tidak menentukan)*" if n.informative else ""
            when = f" — berlaku bila `{to_source(n.when)}`" if n.when is not None else ""
            out.append(f"{pad}- {n.label} (`{n.id}`){info}{when} [{cite}]")
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
        f"Rule set `{rs.name}`: {h.title}. Berlaku {h.effective_from} s.d. {h.effective_to}.",
        "Halaman ini dibuat dari file aturan (`python scripts/rules_doc.py`); uji memastikan ia",
        f"selalu sama dengan yang dijalankan mesin. {first}",
        *rest,
        "",
        "## Dua belas pelayanan",
        "",
        "| # | standar | subjek | periode | populasi (sasaran) | atribusi | penyebut | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i, std in enumerate(rs.standards.values(), start=1):
        period = std.period_kind + (f" on `{to_source(std.period_on)}`" if std.period_on else "")
        target = f"{format_decimal(std.target * 100)} %" if std.target is not None else ""
        out.append(
            f"| {i} | `{std.id}` {std.header.title} | {std.subject_label} (`{std.subject_kind}`) "
            f"| {period} | `{to_source(std.population)}` | `{to_source(std.attribute)}` "
            f"| {_denominator(std)} | {target} |"
        )
    out += [
        "",
        "Sesuai standar = di dalam populasi, dan setiap kriteria yang tidak bertanda",
        "*informasi* terpenuhi atau tidak berlaku.",
        "",
    ]
    for i, std in enumerate(rs.standards.values(), start=1):
        out += [
            f"## {i}. {std.header.title} (`{std.id}`)",
            "",
            f"Sumber: {_cite(std.header.citations[0])}.",
            "",
            "Kriteria:",
            "",
        ]
        out += _criteria(std.criteria)
        notes = _notes(std)
        if notes:
            out += ["", "Catatan tafsiran:", ""]
            for where, note in notes:
                see = f" [{_cite(note.see)}]" if note.see else ""
                out.append(f"- (`{where}`) {note.text}{see}")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    for version, (_folder, doc, _heading, _sources) in SETS.items():
        doc.write_text(render(version), encoding="utf-8")
