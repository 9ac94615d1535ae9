"""The one phrase catalogue: every word the reports say, in Bahasa Indonesia and English.

Stages below the report give reasons as data (`model.Reason`: a code and arguments); this
module turns them into sentences. A code with no phrase is a bug, caught by a test that
walks every code the package can produce. Arguments are formatted by type: dates as ISO,
collections joined with commas, record references as `file:line`, nested reasons worded in
the same language.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ..engine.verdict import ALL, UNKNOWN_FACILITY
from ..model import Reason, RecordRef, RowProblem

LANGS = ("id", "en")
SHOWN_VALUE = 60  # characters of a cell value quoted in a message

# code -> (Bahasa Indonesia, English); `{name}` is an argument of the reason
REASONS: dict[str, tuple[str, str]] = {
    # cells
    "cell.no_such_date": ("tanggal tidak ada di kalender", "no such calendar date"),
    "cell.unknown_month": ("nama bulan tidak dikenal: {name!r}", "unknown month name: {name!r}"),
    "cell.two_digit_year": (
        "tahun dua digit ambigu; tulis tahun empat digit (12/03/2024)",
        "ambiguous two-digit year; write the year in four digits (12/03/2024)",
    ),
    "cell.not_a_date": (
        "bukan tanggal; tulis YYYY-MM-DD, DD/MM/YYYY atau 12 Maret 2024",
        "not a date; write YYYY-MM-DD, DD/MM/YYYY or 12 March 2024",
    ),
    "cell.not_a_number": ("bukan angka", "not a number"),
    "cell.not_a_time": (
        "bukan jam; tulis JJ:MM (07:30) dalam 24 jam",
        "not a time of day; write HH:MM (07:30), 24-hour clock",
    ),
    "cell.not_whole": ("harus bilangan bulat", "must be a whole number"),
    "cell.too_many_digits": (
        "angka lebih dari {limit} digit (batas number_digits; naikkan dengan --limit number_digits=N)",
        "a number of more than {limit} digits (limit number_digits; raise it with --limit number_digits=N)",
    ),
    "cell.imprecise_number": (
        "sel angka {shown} sudah kehilangan digit di Excel (Excel menyimpan 15 digit); "
        "format kolom sebagai Teks dan ketik ulang nilainya",
        "the number cell {shown} has lost digits in Excel (Excel keeps 15 digits); "
        "format the column as Text and type the value again",
    ),
    "table.unsupported": (
        "file {suffix} tidak didukung dan tidak dibaca; simpan sebagai .csv (UTF-8), .xlsx atau .jsonl",
        "{suffix} files are not supported and were not read; save as .csv (UTF-8), .xlsx or .jsonl",
    ),
    "cell.future_date": ("tanggal di masa depan (sesudah {today})", "date in the future (after {today})"),
    "cell.not_yes_no": ("harus ya atau tidak", "must be yes or no"),
    # the contract's schema
    "schema.enum": ("nilai tidak dikenal; pilih: {allowed}", "unknown value; choose: {allowed}"),
    "schema.minimum": ("terlalu kecil (minimal {limit})", "too small (at least {limit})"),
    "schema.maximum": ("terlalu besar (maksimal {limit})", "too large (at most {limit})"),
    "schema.maxLength": (
        "terlalu panjang (maksimal {limit} karakter)",
        "too long (at most {limit} characters)",
    ),
    "schema.nik_pattern": ("NIK harus 16 angka", "a NIK must be 16 digits"),
    "schema.pattern": ("bentuk tidak sesuai (pola {pattern})", "wrong form (pattern {pattern})"),
    "schema.nik_or_local_id": ("NIK atau id_lokal wajib diisi", "a NIK or an id_lokal is required"),
    "schema.required": ("wajib diisi", "is required"),
    "schema.one_of_required": ("salah satu wajib diisi: {fields}", "one of these is required: {fields}"),
    "schema.other": ("tidak sesuai kontrak data ({detail})", "does not fit the data contract ({detail})"),
    # headers, rows, tables
    "header.unknown_column": (
        "kolom tidak dikenal dalam kontrak data; diabaikan",
        "column not in the data contract; ignored",
    ),
    "header.derived_column": (
        "kolom ini dihitung oleh program; isi dari file diabaikan",
        "this column is computed by the program; the file's values are ignored",
    ),
    "row.required_columns": (
        "kolom wajib tidak ada di file: {columns}",
        "required columns missing from the file: {columns}",
    ),
    "row.empty": (
        "baris tanpa isi (hanya pemisah kolom), bukan catatan",
        "a row with no content (column separators only), not a record",
    ),
    "row.broken": ("baris rusak dan tidak terbaca", "broken row that could not be read"),
    "row.column_count": (
        "jumlah kolom {found}, seharusnya {expected} (baris terpotong?)",
        "{found} columns, expected {expected} (truncated row?)",
    ),
    "row.problems": ("{problems}", "{problems}"),
    "row.optional_not_recorded": (
        "{problem}; kolom opsional ini dianggap tidak tercatat dan sisa baris tetap dipakai",
        "{problem}; this optional column is taken as not recorded and the rest of the row is used",
    ),
    "row.local_id_needs_facility": (
        "id_lokal tanpa NIK hanya berlaku bersama kolom fasilitas",
        "an id_lokal without a NIK needs the fasilitas column",
    ),
    "table.unknown_kind": (
        "bukan register yang dikenal; beri nama file/lembar salah satu dari: {known}, "
        "atau petakan di {mapping_file}",
        "not a known register; name the file/sheet one of: {known}, or map it in {mapping_file}",
    ),
    "table.unusable": (
        "file tidak dapat dipakai (lihat masalah file)",
        "the file cannot be used (see the file problems)",
    ),
    "table.unknown_record_kind": (
        "jenis catatan '{kind}' tidak ada dalam kontrak data",
        "record kind '{kind}' is not in the data contract",
    ),
    # across records
    "cross.nik_birth": (
        "tanggal lahir di NIK {in_nik} berbeda dengan tanggal_lahir {recorded} (tidak diubah)",
        "the birth date in the NIK, {in_nik}, differs from tanggal_lahir {recorded} (not changed)",
    ),
    "cross.nik_sex": (
        "jenis kelamin di NIK {in_nik} berbeda dengan {recorded} (tidak diubah)",
        "the sex in the NIK, {in_nik}, differs from {recorded} (not changed)",
    ),
    "cross.before_birth": (
        "tanggal {date} sebelum tanggal lahir {birth}",
        "date {date} is before the birth date {birth}",
    ),
    "cross.duplicate": ("duplikat dari {first}; dihitung sekali", "duplicate of {first}; counted once"),
    "cross.same_subject_merged": (
        "subjek yang sama dengan {first}; digabung (nilai baris pertama menang, yang kosong diisi)",
        "the same subject as {first}; merged (the first row's values win, empty ones are filled)",
    ),
    "cross.same_episode_merged": (
        "{key} adalah episode yang sama dengan {first_key} ({first}): orang yang sama, {date} berselisih "
        "{days} hari (toleransi {tolerance} hari); digabung menjadi satu subjek, catatan yang memakai "
        "{key} dihitung untuk {first_key}; nilai berbeda (baris pertama menang): {differs}",
        "{key} is the same episode as {first_key} ({first}): the same person, {date} {days} days apart "
        "(tolerance {tolerance} days); merged into one subject, records under {key} count for "
        "{first_key}; differing values (the first row wins): {differs}",
    ),
    "cross.no_episode": (
        "tidak ada {kind} dengan {person} ini yang mencakup tanggal {date}; catatan ini tidak terkait ke "
        "subjek mana pun",
        "no {kind} with this {person} spans the date {date}; the record is linked to no subject",
    ),
    "cross.several_episodes": (
        "beberapa {kind} dengan {person} ini mencakup tanggal {date} ({keys}); catatan ini tidak "
        "dikaitkan, isi nomornya",
        "several {kind} with this {person} span the date {date} ({keys}); the record is not linked, "
        "give its number",
    ),
    "cross.same_subject_conflict": (
        "subjek yang sama ({key}) dengan {first}, tetapi isinya berbeda: {fields}; baris ini ditolak, "
        "perbaiki salah satunya",
        "the same subject ({key}) as {first}, but with different values: {fields}; this row is rejected, "
        "correct one of them",
    ),
    # the engine: records left out, values not recorded
    "engine.out_of_period": (
        "{field} {date} di luar periode {period}",
        "{field} {date} outside the period {period}",
    ),
    "engine.filter": ("{condition}", "{condition}"),
    "missing.field": ("{what}", "{what}"),
    "missing.literal": ("nilai 'missing'", "the value 'missing'"),
    "missing.no_link": ("tidak ada catatan {kind} untuk subjek ini", "no {kind} record for this subject"),
    "missing.no_record": ("tidak ada catatan: {what}", "no record: {what}"),
    "missing.no_value": ("tidak ada nilai: {what}", "no value: {what}"),
    "missing.division_by_zero": ("pembagian dengan nol", "division by zero"),
    "missing.no_sasaran": ("tidak ada baris sasaran {what}", "no sasaran row {what}"),
    "say.rule_sets_legend": (
        "→ = dipakai 'check' untuk periode {period} bila --rule-set tidak diberikan; "
        "* = juga berlaku dalam sebagian periode itu",
        "→ = used by 'check' for the period {period} when no --rule-set is given; "
        "* = also in force during part of that period",
    ),
    "diff.title": ("Perbandingan: {a} → {b}", "Comparison: {a} → {b}"),
    "diff.lost": (
        "dihitung menurut {a}, tidak menurut {b}: {why}",
        "counted under {a}, not under {b}: {why}",
    ),
    "diff.gained": (
        "tidak dihitung menurut {a} ({why}), dihitung menurut {b}",
        "not counted under {a} ({why}), counted under {b}",
    ),
    "diff.scope": (
        "menurut {a}: {before}; menurut {b}: {after} ({why})",
        "under {a}: {before}; under {b}: {after} ({why})",
    ),
    "diff.only_one": (
        "standar ini tidak ada dalam rule set {version}",
        "this standard is not in the rule set {version}",
    ),
    "diff.no_changes": ("Tidak ada subjek yang putusannya berubah.", "No subject's verdict changed."),
    "diff.changes": ("Subjek yang putusannya berubah: {n}", "Subjects whose verdict changed: {n}"),
    "diff.more": (
        "  … dan {n} lainnya (semua di --format json atau xlsx)",
        "  … and {n} more (all in --format json or xlsx)",
    ),
    "ruleset.chosen.option": ("dipilih dengan --rule-set", "chosen with --rule-set"),
    "ruleset.chosen.in_force": (
        "berlaku pada hari terakhir periode {period}",
        "in force on the last day of the period {period}",
    ),
    "ruleset.chosen.latest": (
        "tidak ada yang berlaku pada akhir periode {period}; dipakai yang terbaru sebelumnya",
        "none is in force at the end of the period {period}; the latest before it is used",
    ),
    "ruleset.chosen.only": ("satu-satunya rule set", "the only rule set"),
    "ruleset.also": (
        "periode {period} juga berada dalam masa berlaku {others}; pilih dengan --rule-set",
        "the period {period} also falls in the time of {others}; choose with --rule-set",
    ),
    "missing.not_a_time": ("{what} bukan jam JJ:MM", "{what} is not a time HH:MM"),
    "missing.failure": ("tidak dapat dinilai: {what}", "cannot be assessed: {what}"),
    "missing.not_computable": (
        "tidak dapat dihitung: {left} {op} {right}",
        "cannot be computed: {left} {op} {right}",
    ),
    "missing.not_comparable": (
        "tidak dapat dibandingkan: {left} {op} {right}",
        "cannot be compared: {left} {op} {right}",
    ),
    # the ledger
    "ledger.used": ("dipakai sebagai bukti", "used as evidence"),
    "ledger.excluded": (
        "tidak memenuhi syarat aturan: {condition}",
        "does not meet the rule's condition: {condition}",
    ),
    "ledger.subject_out_of_period": ("subjek di luar periode{when}", "subject outside the period{when}"),
    "ledger.subject_out_of_population": ("subjek di luar populasi sasaran", "subject outside the population"),
    "ledger.linked_out_of_period": (
        "terkait subjek di luar periode{when}",
        "linked to a subject outside the period{when}",
    ),
    "ledger.linked_out_of_population": (
        "terkait subjek di luar populasi sasaran",
        "linked to a subject outside the population",
    ),
    "ledger.unneeded": (
        "terkait subjek, tetapi tidak diperlukan kriteria mana pun "
        "(kriteria tidak berlaku atau tidak dapat dinilai)",
        "linked to the subject, but needed by no criterion (criterion not applicable or not assessable)",
    ),
    "ledger.not_read": (
        "file tidak dibaca: standar yang dipilih tidak memakai catatan {kind}",
        "file not read: no chosen standard reads {kind} records",
    ),
    "ledger.unused": (
        "tidak dipakai oleh standar mana pun untuk periode ini",
        "not used by any standard for this period",
    ),
    # words written where they were found (file-level problems of the table readers)
    "text": ("{id}", "{en}"),
    # sentences of the reports (numbers arrive formatted for the language)
    "say.ledger_head": (
        "{read} baris dibaca: {used} dipakai, {out} di luar cakupan, {rejected} ditolak "
        "(nasib setiap baris: --ledger FILE)",
        "{read} rows read: {used} used, {out} out of scope, {rejected} rejected "
        "(every row's fate: --ledger FILE)",
    ),
    "say.not_read": (
        "{count} file tidak dibaca karena standar yang dipilih tidak memakai jenis catatannya "
        "(semua file dibaca tanpa --standard atau dengan 'spm-rules validate'): {files}",
        "{count} file(s) not read because no chosen standard reads their kind of records "
        "(every file is read without --standard, or by 'spm-rules validate'): {files}",
    ),
    "say.file_counts": (
        "{file} ({kind}): {read} baris, {rejected} ditolak, {duplicate} duplikat",
        "{file} ({kind}): {read} rows, {rejected} rejected, {duplicate} duplicates",
    ),
    "say.validation_total": (
        "{read} baris dibaca, {rejected} ditolak, {errors} galat, {warnings} peringatan",
        "{read} rows read, {rejected} rejected, {errors} error(s), {warnings} warning(s)",
    ),
    "say.no_subject": (
        "Tidak ada subjek dalam populasi pada data ini untuk: {standards}",
        "No subject in the population in this data for: {standards}",
    ),
    "say.rows_of": ("{n} baris", "{n} rows"),
    # explanations in plain words (report/words.py says the rule's expressions)
    "say.all": ("{cond} pada {n} dari {total} {scope}", "{cond} in {n} of {total} {scope}"),
    "say.all_failing": (
        "{cond} pada {n} dari {total} {scope}; tidak pada {refs}",
        "{cond} in {n} of {total} {scope}; not in {refs}",
    ),
    "say.all_none": ("tidak ada {scope}", "no {scope}"),
    "say.any": ("{n} dari {total} {scope} {cond}", "{n} of {total} {scope} {cond}"),
    "say.scope_where": ("{scope} dengan {where}", "{scope} with {where}"),
    "say.with": ("dengan {where}", "with {where}"),
    "say.short": ("kurang {diff}", "{diff} short"),
    "say.left_out": ("Tidak dihitung", "Not counted"),
    "say.left_out_record": (
        "{ref}{when} tidak termasuk {collection}: tidak memenuhi {words}",
        "{ref}{when} not among {collection}: does not meet {words}",
    ),
    # rule tests
    "test.no_rules_above": (
        "{file}: tidak ada folder aturan (.spm) di atasnya",
        "{file}: no rule folder (.spm) above it",
    ),
    # tooling output
    "tool.lint_summary": (
        "{files} file: {errors} galat, {warnings} peringatan, {info} info",
        "{files} file(s): {errors} error(s), {warnings} warning(s), {info} info",
    ),
    "tool.silenced": ("({n} dibungkam)", "({n} silenced)"),
    "tool.coverage": ("Cakupan kriteria dan syarat", "Criterion and condition coverage"),
    "tool.never.outcome": ("belum pernah {value}", "never seen {value}"),
    "tool.never.when": ("'when' belum pernah {value}", "'when' never {value}"),
    "tool.never.population": ("population belum pernah {value}", "population never {value}"),
    "tool.fmt_github": ("belum rapi; jalankan spm-rules fmt", "not formatted; run spm-rules fmt"),
    "tool.fmt_rewritten": ("dirapikan: {file}", "rewritten: {file}"),
    "tool.fmt_would_change": ("{n} dari {total} file perlu dirapikan", "{n} of {total} file(s) would change"),
    "tool.fmt_changed": ("{n} dari {total} file dirapikan", "{n} of {total} file(s) changed"),
    "test.unreadable": ("{file}: tidak terbaca: {detail}", "{file}: cannot be read: {detail}"),
    "test.rules_unusable": (
        "{file}: aturan tidak dapat dipakai: {where}: {message}",
        "{file}: the rules cannot be used: {where}: {message}",
    ),
    "test.needs_cases": ("{file}: harus berisi 'cases: [...]'", "{file}: must hold 'cases: [...]'"),
    "test.case_needs": ("case perlu '{key}'", "a case needs '{key}'"),
    "test.skipped": ("dilewati: {why}", "skipped: {why}"),
    "test.unknown_standard": (
        "standar tidak dikenal: {sid!r} (ada: {known})",
        "unknown standard: {sid!r} (known: {known})",
    ),
    "test.no_subject": ("subjek {key!r} tidak ada di {kind}", "no subject {key!r} in {kind}"),
    "test.expected": ("{key}: diharapkan {want}, ternyata {got}", "{key}: expected {want}, got {got}"),
    "test.unknown_criterion": ("kriteria tidak dikenal: {cid}", "unknown criterion: {cid}"),
    "test.unknown_status": (
        "{cid}: status {want!r} tidak dikenal ({known})",
        "{cid}: unknown status {want!r} ({known})",
    ),
    "test.explanation_lacks": (
        "penjelasan tidak memuat: {text!r}",
        "the explanation does not contain: {text!r}",
    ),
    "test.data": ("data: {problem}", "data: {problem}"),
}

# labels of tables, headings and values
LABELS: dict[str, tuple[str, str]] = {
    "facility": ("Fasilitas", "Facility"),
    "sasaran": ("Sasaran", "Target pop."),
    "served": ("Sesuai standar", "Served to standard"),
    "capaian": ("Capaian", "Coverage"),
    "remarks": ("Keterangan", "Remarks"),
    "recorded": ("Tercatat", "Recorded"),
    "total": ("Jumlah", "Total"),
    "unknown_facility": ("(tidak diketahui)", "(unknown)"),
    "target": ("target", "target"),
    "reached": ("tercapai", "reached"),
    "not_reached": ("belum tercapai", "not reached"),
    "no_records": ("sasaran tanpa catatan pelayanan", "in target population without any record"),
    "info": ("informasi", "informative"),
    "source": ("Sumber penyebut", "Denominator source"),
    "counted": ("dihitung dari catatan", "counted from records"),
    "sum": ("jumlah baris fasilitas", "sum of facility rows"),
    "estimate": ("estimasi", "estimate"),
    "sasaran_src": ("tabel sasaran", "sasaran table"),
    "rows": ("baris dibaca", "rows read"),
    "rejected": ("ditolak", "rejected"),
    "out_period": ("di luar periode", "outside the period"),
    "out_pop": ("di luar populasi", "outside the population"),
    "period": ("Periode", "Period"),
    "rules": ("Aturan", "Rules"),
    "rule_set": ("Rule set", "Rule set"),
    "diff.delta": ("Selisih", "Change"),
    "diff.sheet_changes": ("Perubahan", "Changes"),
    "state.counted": ("dihitung", "counted"),
    "state.not_counted": ("tidak dihitung", "not counted"),
    "state.out_of_scope": ("di luar periode/populasi", "outside period/population"),
    "state.absent": ("bukan subjek", "not a subject"),
    "status_final": ("final", "final"),
    "status_provisional": ("SEMENTARA", "PROVISIONAL"),
    "provisional_banner": (
        "PERHATIAN: rule set SEMENTARA — disusun dari sumber sekunder tanpa teks peraturannya; "
        "angka ini belum boleh dipakai sebagai laporan resmi",
        "NOTE: PROVISIONAL rule set — built from secondary sources without the regulation's text; "
        "these numbers are not yet fit for an official report",
    ),
    "params": ("Parameter rule set", "Rule set parameters"),
    "version": ("versi", "version"),
    "effective": ("berlaku", "in force"),
    "until": ("s.d.", "to"),
    "not_in_force": (
        "PERINGATAN: aturan ini tidak berlaku untuk periode",
        "WARNING: these rules are not in force for the period",
    ),
    "met": ("memenuhi", "met"),
    "not_met": ("tidak memenuhi", "not met"),
    "not_applicable": ("tidak berlaku", "not applicable"),
    "not_recorded": ("tidak tercatat", "not recorded"),
    "counted_yes": ("SESUAI STANDAR", "SERVED TO STANDARD"),
    "counted_no": ("TIDAK sesuai standar", "NOT served to standard"),
    "outside": ("di luar cakupan", "out of scope"),
    "records": ("Catatan", "Records"),
    "note": ("catatan", "note"),
    "at_least": ("minimal", "at least"),
    "at_most": ("maksimal", "at most"),
    "more_than": ("lebih dari", "more than"),
    "less_than": ("kurang dari", "less than"),
    "equals": ("harus", "must be"),
    "not_equal": ("bukan", "not"),
    "of": ("dari", "of"),
    "lacking": ("tidak memenuhi", "failing"),
    "none": ("tidak ada", "none"),
    "found": ("ditemukan", "found"),
    "problems": ("Masalah data", "Data problems"),
    "yes": ("ya", "yes"),
    "no": ("tidak", "no"),
    "line": ("baris", "line"),
    "column": ("kolom", "column"),
    "characters": ("karakter", "characters"),
    "lines": ("baris", "lines"),
    "line_one": ("baris", "line"),
    "standard": ("Standar", "Standard"),
    "title": ("Judul", "Title"),
    "subject": ("Subjek", "Subject"),
    "sheet.summary": ("Ringkasan", "Summary"),
    "inputs": ("File masukan (SHA-256)", "Input files (SHA-256)"),
    "not_read_files": ("File tidak dibaca", "Files not read"),
    "indicator": ("Indikator", "Indicator"),
    "realisasi": ("Realisasi", "Achieved"),
    "capaian_target": ("Capaian (thd target)", "Against target"),
    "source_rows": ("Baris sumber", "Source rows"),
    "filter": ("Saring fasilitas…", "Filter facilities…"),
    "word.failed": ("GAGAL", "FAILED"),
    "word.error": ("GALAT", "ERROR"),
    "sheet.subjects": ("Subjek", "Subjects"),
    "fate.used": ("dipakai", "used"),
    "fate.out_of_scope": ("di luar cakupan", "out of scope"),
    "fate.rejected": ("ditolak", "rejected"),
    "fate.not_read": ("tidak dibaca", "not read"),
}


def facility_name(facility: str, lang: str) -> str:
    """A facility as shown: the area's total row and an unrecorded facility have names in
    each language; a facility's own name is shown as recorded."""
    if facility == ALL:
        return label("total", lang)
    if facility == UNKNOWN_FACILITY:
        return label("unknown_facility", lang)
    return facility


def _index(lang: str) -> int:
    return 1 if lang == "en" else 0


def label(key: str, lang: str) -> str:
    return LABELS[key][_index(lang)]


def format_arg(value: Any, lang: str) -> str:
    """One argument of a reason, in the language asked for."""
    if isinstance(value, Reason):
        return say(value, lang)
    if isinstance(value, RowProblem):
        return problem_text(value, lang)
    if isinstance(value, bool):
        return label("yes" if value else "no", lang)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
    if isinstance(value, RecordRef):
        return str(value)
    if isinstance(value, tuple | list | frozenset):
        sep = "; " if any(isinstance(v, RowProblem | Reason) for v in value) else ", "
        return sep.join(format_arg(v, lang) for v in value)
    return "" if value is None else str(value)


class _Args(dict):
    """Formatting arguments: `{x}` is the worded value, `{x!r}` quotes the raw text."""

    def __init__(self, reason: Reason, lang: str):
        super().__init__((k, _Arg(v, lang)) for k, v in reason.args)


class _Arg:
    __slots__ = ("lang", "value")

    def __init__(self, value: Any, lang: str):
        self.value, self.lang = value, lang

    def __str__(self) -> str:
        return format_arg(self.value, self.lang)

    def __repr__(self) -> str:
        return repr(str(self.value))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def say(reason: Reason, lang: str = "id") -> str:
    """The sentence for a reason, in Indonesian (default) or English."""
    phrase = REASONS.get(reason.code)
    if phrase is None:  # a code without words is a bug; show the code rather than nothing
        return reason.code + (f" {dict(reason.args)}" if reason.args else "")
    return phrase[_index(lang)].format_map(_Args(reason, lang))


def words(code: str, lang: str, **args: Any) -> str:
    """A report sentence of the catalogue with its arguments."""
    return say(Reason.of(code, **args), lang)


def shown_value(value: str, lang: str) -> str:
    if len(value) <= SHOWN_VALUE:
        return repr(value)
    return repr(value[:SHOWN_VALUE] + f"… ({len(value)} {label('characters', lang)})")


def problem_text(p: RowProblem, lang: str = "id") -> str:
    """`file:line column 'c' = 'value': reason`."""
    col = f" {label('column', lang)} '{p.column}'" if p.column else ""
    val = f" = {shown_value(p.value, lang)}" if p.value is not None else ""
    return f"{p.file}:{p.line}{col}{val}: {say(p.reason, lang)}"
