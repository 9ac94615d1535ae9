"""Registers in: formats, mapping, dates, validation, linkage, duplicates, and the ledger where
nothing is lost."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from spm_rules.api import run_check
from spm_rules.cli.main import main
from spm_rules.registers.readers import read_folder
from spm_rules.registers.values import CellError, nik_birth_and_sex, parse_date
from spm_rules.report.catalogue import problem_text, say
from spm_rules.report.ledger import safe_cell
from spm_rules.resources import bundled_rules, bundled_sample

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 22)
PERSON = "nik,nama,jenis_kelamin,tanggal_lahir,wilayah\n3216015203900001,Ibu,P,1990-03-12,PKM A\n"


def folder_with(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    d = tmp_path / "data"
    d.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (d / name).write_bytes(data)
    return d


def problems(reg, severity="error"):
    return [p for p in reg.problems if p.severity == severity]


# ---- typed evidence and optional fields of unexpected form (issue #11, item 1) ---------------

ANC_HEADER = "id_kehamilan,tanggal,fasilitas,penolong,str_penolong,konseling,komplikasi,tatalaksana,lila\n"


@pytest.mark.parametrize(
    "konseling, expected",
    [
        ("ya", True),
        ("Y", True),
        ("1", True),
        ("sudah", True),
        ("Ya", True),
        ("tidak", False),
        ("T", False),
        ("0", False),
        ("belum", False),
        ("-", False),
        ("tidak ada", False),
        ("Tidak  Ada", False),
        ("tidak diketahui", None),
        ("", None),
    ],
)
def test_yes_no_evidence_spellings(tmp_path, konseling, expected):
    row = f"KH-1,2018-02-26,PKM A,bidan,STR-1,{konseling},,,\n"
    reg = read_folder(folder_with(tmp_path, {"kunjungan_anc.csv": ANC_HEADER + row}), today=TODAY)
    (visit,) = reg.of_kind("kunjungan_anc")
    assert visit.get("konseling") is expected and not reg.problems


@pytest.mark.parametrize("text", ["tidak", "-", "0", "belum", "tidak ada", "Tidak Diketahui"])
def test_not_done_spellings_are_never_a_registration_or_a_management(tmp_path, text):
    row = f"KH-1,2018-02-26,PKM A,bidan,{text},ya,ya,{text},\n"
    reg = read_folder(folder_with(tmp_path, {"kunjungan_anc.csv": ANC_HEADER + row}), today=TODAY)
    (visit,) = reg.of_kind("kunjungan_anc")
    assert visit.get("str_penolong") is None and visit.get("tatalaksana") is None
    assert not reg.problems


@pytest.mark.parametrize(
    "column, text, words",
    [
        ("konseling", "gizi ibu hamil", "harus ya atau tidak"),
        ("penolong", "dukun", "nilai tidak dikenal"),
        ("str_penolong", "belum punya", "bentuk tidak sesuai"),
        ("lila", "normal", "bukan angka"),
    ],
)
def test_an_optional_field_of_unexpected_form_is_not_recorded_and_the_row_is_used(
    tmp_path, column, text, words
):
    cells = {
        "id_kehamilan": "KH-1",
        "tanggal": "2018-02-26",
        "fasilitas": "PKM A",
        "penolong": "bidan",
        "str_penolong": "STR-1",
        "konseling": "ya",
        "komplikasi": "",
        "tatalaksana": "",
        "lila": "24",
    }
    cells[column] = text
    reg = read_folder(
        folder_with(tmp_path, {"kunjungan_anc.csv": ANC_HEADER + ",".join(cells.values()) + "\n"}),
        today=TODAY,
    )
    (visit,) = reg.of_kind("kunjungan_anc")
    assert reg.rows_rejected == 0 and visit.get(column) is None
    assert visit.get("tanggal") == dt.date(2018, 2, 26) and visit.get("fasilitas") == "PKM A"
    (warning,) = problems(reg, "warning")
    assert (warning.line, warning.column, warning.value) == (2, column, text)
    assert warning.file.endswith("kunjungan_anc.csv")
    assert words in say(warning.reason) and "tidak tercatat" in say(warning.reason)
    assert "not recorded" in say(warning.reason, "en")


def test_visus_written_normal_keeps_the_rest_of_the_screening(tmp_path):
    header = "nik,tanggal,fasilitas,petugas,sistolik,diastolik,visus\n"
    row = "3216010101800001,2018-03-01,Posbindu Melati,kader_posbindu,120,80,normal\n"
    reg = read_folder(folder_with(tmp_path, {"skrining_ptm.csv": header + row}), today=TODAY)
    (screen,) = reg.of_kind("skrining_ptm")
    assert screen.get("visus") is None and screen.get("sistolik") == 120
    (warning,) = problems(reg, "warning")
    assert (warning.column, warning.value) == ("visus", "normal")


def test_required_and_identity_fields_of_wrong_form_still_reject_the_row(tmp_path):
    header = "nik,tanggal,fasilitas,petugas,visus\n"
    rows = "32160101,2018-03-01,Posbindu Melati,kader_posbindu,6/6\n3216010101800001,kemarin,P,dokter,6/6\n"
    reg = read_folder(folder_with(tmp_path, {"skrining_ptm.csv": header + rows}), today=TODAY)
    assert reg.rows_rejected == 2
    assert {p.column for p in problems(reg)} == {"nik", "tanggal"}


def test_a_mapping_translates_local_yes_no_codes(tmp_path):
    mapping = (
        "tables:\n  - match: anc.csv\n    kind: kunjungan_anc\n"
        "    values:\n      konseling: {V: ya, X: tidak}\n"
    )
    rows = "KH-1,2018-02-26,PKM A,bidan,STR-1,V,,,\nKH-1,2018-03-26,PKM A,bidan,STR-1,X,,,\n"
    d = folder_with(tmp_path, {"anc.csv": ANC_HEADER + rows, "mapping.yaml": mapping})
    reg = read_folder(d, today=TODAY)
    assert [v.get("konseling") for v in reg.of_kind("kunjungan_anc")] == [True, False]


# ---- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2024-03-12", dt.date(2024, 3, 12)),
        ("2024/03/12", dt.date(2024, 3, 12)),
        ("2024-03-12 00:00:00", dt.date(2024, 3, 12)),
        ("12/03/2024", dt.date(2024, 3, 12)),
        ("12-03-2024", dt.date(2024, 3, 12)),
        ("12.03.2024", dt.date(2024, 3, 12)),
        ("12 Maret 2024", dt.date(2024, 3, 12)),
        ("12 maret 2024", dt.date(2024, 3, 12)),
        ("12-Mar-24", dt.date(2024, 3, 12)),
        ("5 Agt 2018", dt.date(2018, 8, 5)),
        ("17 Agustus 1945", dt.date(1945, 8, 17)),
        ("1 Des 99", dt.date(1999, 12, 1)),  # a two-digit year is never in the future
        ("3 Oct 2020", dt.date(2020, 10, 3)),
        ("45363", dt.date(2024, 3, 12)),  # an Excel serial number
    ],
)
def test_dates_as_indonesian_exports_write_them(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text, words",
    [
        ("31/02/2024", "tidak ada di kalender"),
        ("03/04/05", "ambigu"),
        ("12 Marett 2024", "nama bulan tidak dikenal"),
        ("kemarin", "bukan tanggal"),
        ("2024-13-01", "tidak ada di kalender"),
    ],
)
def test_bad_dates_are_refused_in_plain_words(text, words):
    with pytest.raises(CellError) as err:
        parse_date(text, TODAY)
    assert words in say(err.value.reason)


def test_mixed_date_formats_in_one_column(tmp_path):
    d = folder_with(
        tmp_path,
        {
            "penduduk.csv": (
                "nik,jenis_kelamin,tanggal_lahir\n"
                "3216011203900001,L,1990-03-12\n3216011203900002,L,12/03/1990\n"
                "3216011203900003,L,12 Maret 1990\n3216011203900004,L,12-Mar-90\n"
                "3216011203900005,L,32944\n"
            )
        },
    )
    reg = read_folder(d, today=TODAY)
    births = {r.get("tanggal_lahir") for r in reg.of_kind("penduduk")}
    assert births == {dt.date(1990, 3, 12)} and not reg.problems


# ---- bad files -----------------------------------------------------------------------------


def test_empty_file_and_header_only(tmp_path):
    d = folder_with(tmp_path, {"penduduk.csv": "", "kehamilan.csv": "id_kehamilan,nik,hpht\n"})
    reg = read_folder(d, today=TODAY)
    assert any("file kosong" in say(p.reason) for p in reg.problems)
    assert reg.rows_read == 0


def test_truncated_last_line(tmp_path):
    d = folder_with(tmp_path, {"penduduk.csv": PERSON + "3216015203900002,Ibu,P"})
    reg = read_folder(d, today=TODAY)
    assert reg.rows_read == 2 and reg.rows_rejected == 1
    p = problems(reg)[0]
    assert (p.line, "terpotong" in say(p.reason)) == (3, True)


def test_unterminated_quote_at_end_of_file(tmp_path):
    d = folder_with(tmp_path, {"penduduk.csv": PERSON + '3216015203900002,"Ibu,P,1990-03-12,PKM A\n'})
    reg = read_folder(d, today=TODAY)
    assert reg.rows_read == 2 and reg.rows_rejected == 1
    assert len(reg.of_kind("penduduk")) == 1


def test_windows_1252_and_bom_and_semicolons(tmp_path):
    cp1252 = "nik;nama;jenis_kelamin;tanggal_lahir\n3216015203900001;Siti Ma’rufah;P;12/03/1990\n"
    d = folder_with(tmp_path, {"penduduk.csv": cp1252.encode("cp1252")})
    reg = read_folder(d, today=TODAY)
    assert reg.of_kind("penduduk")[0].get("nama") == "Siti Ma’rufah"
    d2 = folder_with(tmp_path / "b", {"penduduk.csv": "\ufeff" + PERSON})
    assert read_folder(d2, today=TODAY).of_kind("penduduk")[0].get("nik") == "3216015203900001"


def test_wrong_encoding_utf16_is_refused_but_counted(tmp_path):
    d = folder_with(tmp_path, {"penduduk.csv": PERSON.encode("utf-16")})
    reg = read_folder(d, today=TODAY)
    assert any("UTF-16" in say(p.reason) for p in reg.problems)
    assert reg.of_kind("penduduk") == []


def test_missing_required_column_rejects_every_row(tmp_path):
    d = folder_with(tmp_path, {"penduduk.csv": "nik,nama\n3216015203900001,A\n3216015203900002,B\n"})
    reg = read_folder(d, today=TODAY)
    assert (reg.rows_read, reg.rows_rejected) == (2, 2)
    assert "kolom wajib tidak ada di file: jenis_kelamin, tanggal_lahir" in say(reg.entries[0].reason)


def test_unknown_extra_column_is_kept_out_and_reported(tmp_path):
    d = folder_with(
        tmp_path,
        {"penduduk.csv": "nik,jenis_kelamin,tanggal_lahir,golongan\n3216011203900001,L,1990-03-12,A\n"},
    )
    reg = read_folder(d, today=TODAY)
    assert reg.rows_rejected == 0
    assert any(p.column == "golongan" and p.severity == "warning" for p in reg.problems)


def test_duplicated_header_refuses_the_file(tmp_path):
    d = folder_with(
        tmp_path, {"penduduk.csv": "nik,jenis_kelamin,tanggal_lahir,nik\n3216011203900001,L,1990-03-12,x\n"}
    )
    reg = read_folder(d, today=TODAY)
    assert any("kolom ganda" in say(p.reason) for p in reg.problems)
    assert (reg.rows_read, reg.rows_rejected) == (1, 1)


def test_a_10_mb_field_is_rejected_without_printing_it(tmp_path):
    big = "x" * (10 * 1024 * 1024)
    d = folder_with(
        tmp_path,
        {"penduduk.csv": f"nik,nama,jenis_kelamin,tanggal_lahir\n3216011203900001,{big},L,1990-03-12\n"},
    )
    reg = read_folder(d, today=TODAY)
    assert reg.rows_rejected == 1
    text = problem_text(problems(reg)[0])
    assert "terlalu panjang" in text and len(text) < 300


def test_formula_cells_are_data_and_escaped_when_written(tmp_path, capsys):
    d = folder_with(
        tmp_path,
        {
            "penduduk.csv": PERSON,
            "kehamilan.csv": (
                "id_kehamilan,nik,hpht,tanggal_persalinan\n"
                '"=HYPERLINK(""http://x"",""klik"")",3216015203900001,2018-01-01,2018-10-03\n'
            ),
        },
    )
    reg = read_folder(d, today=TODAY)
    assert reg.of_kind("kehamilan")[0].get("id_kehamilan").startswith("=HYPERLINK")
    ledger = tmp_path / "ledger.csv"
    assert main(["check", "--data", str(d), "--period", "2018", "--ledger", str(ledger)]) == 0
    cells = [c for row in csv.reader(io.StringIO(ledger.read_text(encoding="utf-8"))) for c in row]
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    assert not any(c.startswith("=") for c in cells)
    assert safe_cell("-1") == "'-1" and safe_cell("@x") == "'@x" and safe_cell("ok") == "ok"


# ---- validation ----------------------------------------------------------------------------


def test_rejections_name_file_line_column_value_reason_in_both_languages(tmp_path):
    d = folder_with(tmp_path, {"penduduk.csv": PERSON + "321601520390,Ibu,P,1990-03-12,PKM A\n"})
    reg = read_folder(d, today=TODAY)
    p = problems(reg)[0]
    assert problem_text(p, "id").endswith("penduduk.csv:3 kolom 'nik' = '321601520390': NIK harus 16 angka")
    assert problem_text(p, "en").endswith(
        "penduduk.csv:3 column 'nik' = '321601520390': a NIK must be 16 digits"
    )


@pytest.mark.parametrize(
    "column, value, words",
    [
        ("sistolik", "400", "terlalu besar (maksimal 300)"),
        ("sistolik", "20", "terlalu kecil (minimal 50)"),
        ("tinggi_badan", "2000", "terlalu besar"),
        ("tanggal", "2030-01-01", "masa depan"),
        ("id_kehamilan", "", "wajib diisi"),
    ],
)
def test_implausible_values_are_rejected(tmp_path, column, value, words):
    row = {
        "id_kehamilan": "KH-1",
        "tanggal": "2018-02-26",
        "fasilitas": "PKM A",
        "sistolik": "110",
        "tinggi_badan": "156",
        "penolong": "bidan",
    }
    row[column] = value
    d = folder_with(tmp_path, {"kunjungan_anc.csv": ",".join(row) + "\n" + ",".join(row.values()) + "\n"})
    reg = read_folder(d, today=TODAY)
    assert reg.rows_rejected == 1 and words in say(problems(reg)[0].reason)


def test_service_before_birth_is_rejected(tmp_path):
    d = folder_with(
        tmp_path,
        {
            "penduduk.csv": PERSON,
            "pemeriksaan_lab.csv": ("nik,tanggal,pemeriksaan,hasil\n3216015203900001,1989-01-01,hb,ada\n"),
        },
    )
    reg = read_folder(d, today=TODAY)
    assert reg.rows_rejected == 1
    assert "sebelum tanggal lahir 1990-03-12" in say(problems(reg)[0].reason)


def test_nik_birth_date_and_sex_are_cross_checked_as_warnings():
    assert nik_birth_and_sex("3216015203900001", TODAY) == (dt.date(1990, 3, 12), "P")
    assert nik_birth_and_sex("3216011203900001", TODAY) == (dt.date(1990, 3, 12), "L")


def test_nik_mismatch_is_a_warning_not_a_silent_fix(tmp_path):
    d = folder_with(
        tmp_path, {"penduduk.csv": "nik,jenis_kelamin,tanggal_lahir\n3216015203900001,L,1991-03-12\n"}
    )
    reg = read_folder(d, today=TODAY)
    assert reg.rows_rejected == 0
    warnings = [say(p.reason) for p in problems(reg, "warning")]
    assert any("tanggal lahir di NIK 1990-03-12" in w for w in warnings)
    assert any("jenis kelamin di NIK P" in w for w in warnings)
    rec = reg.of_kind("penduduk")[0]
    assert (rec.get("tanggal_lahir"), rec.get("jenis_kelamin")) == (dt.date(1991, 3, 12), "L")


# ---- linkage and duplicates ----------------------------------------------------------------


def test_exact_duplicate_rows_count_once_and_are_reported(tmp_path):
    d = folder_with(tmp_path, {"penduduk.csv": PERSON + PERSON.splitlines()[1] + "\n"})
    reg = read_folder(d, today=TODAY)
    assert len(reg.of_kind("penduduk")) == 1 and reg.rows_duplicate == 1
    assert any("duplikat dari" in say(p.reason) for p in problems(reg, "warning"))


def test_same_export_loaded_twice_counts_once(tmp_path):
    sample = bundled_sample()
    d = tmp_path / "twice"
    shutil.copytree(sample, d)
    shutil.copy(sample / "kunjungan_anc.csv", d / "kunjungan_anc_salinan.csv")
    # a copy under another name is not a known kind unless mapped: map it
    (d / "mapping.yaml").write_text(
        "tables:\n  - match: kunjungan_anc_salinan.csv\n    kind: kunjungan_anc\n", encoding="utf-8"
    )
    once = run_check(bundled_rules(), sample, "2018", ["ibu_hamil"]).reports[0].total.numerator
    result = run_check(bundled_rules(), d, "2018")
    by_id = {r.standard.id: r for r in result.reports}
    assert by_id["ibu_hamil"].total.numerator == once
    assert result.register.rows_duplicate == 136
    assert result.ledger.balanced


def test_local_ids_link_within_their_facility_only(tmp_path):
    d = folder_with(
        tmp_path,
        {
            "penduduk.csv": (
                "id_lokal,fasilitas,jenis_kelamin,tanggal_lahir,wilayah\n"
                "RM-7,PKM A,L,1980-05-10,PKM A\nRM-7,PKM B,L,1985-01-01,PKM B\n"
            ),
            "skrining_ptm.csv": (
                "id_lokal,fasilitas,tanggal,petugas,tinggi_badan,berat_badan,"
                "lingkar_perut,sistolik,diastolik,gula_darah,skor_srq20,visus,"
                "pendengaran\nRM-7,PKM A,2018-05-10,dokter,170,70,80,120,80,100,1,"
                "6/6,normal\n"
            ),
        },
    )
    result = run_check(bundled_rules(), d, "2018", ["usia_produktif"])
    report = result.reports[0]
    assert report.total.numerator == 1
    assert report.total.counted_keys == ["PKM A#RM-7"]


def test_id_lokal_without_facility_is_rejected(tmp_path):
    d = folder_with(tmp_path, {"penduduk.csv": "id_lokal,jenis_kelamin,tanggal_lahir\nRM-1,L,1980-01-01\n"})
    reg = read_folder(d, today=TODAY)
    assert reg.rows_rejected == 1 and "fasilitas" in say(problems(reg)[0].reason)


def test_one_pregnancy_served_by_two_facilities_counts_once(tmp_path):
    sample = bundled_sample()
    result = run_check(bundled_rules(), sample, "2018", ["ibu_hamil"])
    v = next(v for v in result.reports[0].verdicts if v.subject == "KH-2018-07")
    assert v.counted and v.facility == "PKM Cibitung"  # K3-K4 at a private midwife


# ---- formats and mapping -------------------------------------------------------------------


def _kohort_workbook(path: Path) -> None:
    wb = Workbook()
    ibu = wb.active
    ibu.title = "Ibu"
    ibu.append(["KOHORT IBU PUSKESMAS CIBITUNG"])
    ibu.append(["Tahun 2018"])
    ibu.append(["No. Register", "NIK Ibu", "No. RM", "HPHT", "Tgl Persalinan"])
    ibu.append(["R-1", "3216015203900001", None, dt.datetime(2018, 1, 1), "3 Oktober 2018"])
    ibu.append(["R-2", None, "RM-55", "01/02/2018", None])
    kunj = wb.create_sheet("Kunjungan")
    kunj.append(["KUNJUNGAN"])
    kunj.append([])
    kunj.append(
        [
            "No. Register",
            "Tgl Kunjungan",
            "Bidan/Dokter",
            "No. STR",
            "BB (kg)",
            "TB (cm)",
            "TD Sistole",
            "TD Diastole",
            "LILA (cm)",
            "TFU (cm)",
            "Letak Janin",
            "DJJ",
            "Status TT",
            "Fe (tablet)",
            "Konseling",
        ]
    )
    kunj.append(
        [
            "R-1",
            dt.datetime(2018, 2, 26),
            "Bidan",
            "STR-1",
            55.5,
            156,
            110,
            70,
            25,
            None,
            "-",
            None,
            "T5",
            30,
            "Ya",
        ]
    )
    kunj.append(
        [
            "R-1",
            "21-May-18",
            "Dokter SpOG",
            "STR-9",
            58,
            None,
            110,
            70,
            None,
            18,
            "Kepala",
            140,
            None,
            30,
            "Tidak",
        ]
    )
    kunj.append(["R-1", 43311, "Perawat", None, 61, None, 400, 70, None, 28, "Kepala", 142, None, 30, "Ya"])
    wb.save(path)


def test_kohort_ibu_xlsx_with_the_documented_mapping(tmp_path):
    d = tmp_path / "kohort"
    d.mkdir()
    _kohort_workbook(d / "kohort_ibu_cibitung_2018.xlsx")
    shutil.copy(ROOT / "docs" / "examples" / "kohort-ibu.mapping.yaml", d / "mapping.yaml")
    reg = read_folder(d, today=TODAY)
    preg = {r.get("id_kehamilan"): r for r in reg.of_kind("kehamilan")}
    assert preg["R-1"].get("tanggal_persalinan") == dt.date(2018, 10, 3)
    assert preg["R-2"].get("id_orang") == "PKM Cibitung#RM-55"
    visits = reg.of_kind("kunjungan_anc")
    assert [v.get("tanggal") for v in visits] == [dt.date(2018, 2, 26), dt.date(2018, 5, 21)]
    first, second = visits
    assert first.get("penolong") == "bidan" and first.get("presentasi") is None
    assert first.get("berat_badan") == 55.5 and first.get("konseling") is True
    assert second.get("penolong") == "dokter_spog" and second.get("konseling") is False
    assert second.get("fasilitas") == "PKM Cibitung"
    bad = problems(reg)
    assert len(bad) == 1 and bad[0].file.endswith("[Kunjungan]") and bad[0].line == 6
    assert bad[0].column == "sistolik" and "terlalu besar" in say(bad[0].reason)


def test_jsonl_register(tmp_path):
    rows = [
        {"nik": "3216015203900001", "jenis_kelamin": "P", "tanggal_lahir": "1990-03-12"},
        {"nik": "3216015203900002", "jenis_kelamin": "X", "tanggal_lahir": "1990-03-12"},
    ]
    text = "\n".join(json.dumps(r) for r in rows) + "\n{broken\n"
    d = folder_with(tmp_path, {"penduduk.jsonl": text})
    reg = read_folder(d, today=TODAY)
    assert (reg.rows_read, reg.rows_rejected, len(reg.of_kind("penduduk"))) == (3, 2, 1)
    assert any("bukan objek JSON" in say(p.reason) and p.line == 3 for p in reg.problems)


def test_unknown_file_name_is_reported_not_skipped(tmp_path):
    d = folder_with(tmp_path, {"kunjungan.csv": "a,b\n1,2\n"})
    reg = read_folder(d, today=TODAY)
    assert (reg.rows_read, reg.rows_rejected) == (1, 1)
    assert any("bukan register yang dikenal" in say(p.reason) for p in reg.problems)


def test_bad_mapping_is_a_usage_error(tmp_path, capsys):
    d = folder_with(
        tmp_path,
        {
            "penduduk.csv": PERSON,
            "mapping.yaml": (
                "tables:\n  - match: '*.csv'\n    kind: penduduk\n    columns: {A: tidak_ada}\n"
            ),
        },
    )
    assert main(["validate", str(d)]) == 2
    assert "tidak_ada" in capsys.readouterr().err


# ---- validate and the ledger ---------------------------------------------------------------


def test_validate_reports_and_exits_1_when_rows_are_rejected(tmp_path, capsys):
    d = folder_with(tmp_path, {"penduduk.csv": PERSON + "123,Ibu,P,1990-03-12,PKM A\n"})
    assert main(["validate", str(d)]) == 1
    out = capsys.readouterr().out
    assert "penduduk.csv:3 kolom 'nik' = '123': NIK harus 16 angka" in out
    assert "2 baris dibaca, 1 ditolak" in out
    assert main(["validate"]) == 0  # the bundled sample is clean


def test_ledger_accounts_for_every_row_of_the_sample(tmp_path):
    result = run_check(bundled_rules(), bundled_sample(), "2018")
    assert result.ledger.balanced
    assert len(result.ledger.rows) == result.register.rows_read
    reasons = {say(r.reason) for r in result.ledger.rows if r.fate == "out_of_scope"}
    assert any(r.startswith("terkait subjek di luar periode") for r in reasons)
    assert any("di luar periode 2018" in r for r in reasons)  # a screening dated 2017


KINDS_ROWS = {
    "penduduk": lambda i, ok: {
        "nik": f"32160112039{i:05d}" if ok else "12",
        "jenis_kelamin": "L",
        "tanggal_lahir": "1990-03-12",
    },
    "skrining_ptm": lambda i, ok: {
        "nik": f"32160112039{i:05d}",
        "tanggal": "2018-05-10" if ok else "2018-02-31",
        "fasilitas": "X",
        "petugas": "dokter",
        "visus": "6/6",
    },
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from(sorted(KINDS_ROWS)), st.integers(0, 30), st.booleans(), st.booleans()),
        max_size=25,
    )
)
def test_the_ledger_equation_holds_for_any_register(tmp_path_factory, rows):
    d = tmp_path_factory.mktemp("reg")
    by_kind: dict[str, list[dict]] = {}
    for kind, i, ok, dup in rows:
        row = KINDS_ROWS[kind](i, ok)
        by_kind.setdefault(kind, []).append(row)
        if dup:
            by_kind[kind].append(dict(row))
    for kind, rs in by_kind.items():
        cols = list(rs[0])
        lines = [",".join(cols)] + [",".join(str(r[c]) for c in cols) for r in rs]
        (d / f"{kind}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_check(bundled_rules(), d, "2018")
    ledger = result.ledger
    assert ledger.balanced
    assert len(ledger.rows) == sum(len(rs) for rs in by_kind.values())
    for f in ledger.files:
        assert f.read == f.used + f.out_of_scope + f.rejected


def test_every_evidence_field_has_a_declared_type():
    """Issue #11, item 1: a field that records something done or given is a yes/no, a code from
    a value set, a number, a date, or text of a declared pattern; never free text."""
    from spm_rules.registers.contract import load_contract

    evidence = [(k, f) for k in load_contract().kinds.values() for f in k.fields.values() if f.evidence]
    assert len(evidence) >= 20
    for kind, f in evidence:
        spec = kind.schema["properties"][f.name]
        typed = f.type in ("bool", "number", "integer", "date") or f.enum or "pattern" in spec
        assert typed, f"{kind.name}.{f.name}"
    names = {(k.name, f.name) for k, f in evidence}
    for done in [
        ("kunjungan_anc", "str_penolong"),
        ("kunjungan_anc", "konseling"),
        ("persalinan", "str_penolong"),
        ("kunjungan_jiwa", "kebersihan_diri"),
        ("kunjungan_jiwa", "kepatuhan_obat"),
        ("kunjungan_ptm", "edukasi"),
        ("pemeriksaan_lab", "hasil"),
        ("kunjungan_anc", "komplikasi"),
    ]:
        assert done in names


# ---- one pregnancy across facilities (issue #11, item 2) -------------------------------------


def _two_facilities(tmp_path: Path, second_hpht: str) -> Path:
    nik = "3216015203900001"
    return folder_with(
        tmp_path,
        {
            "kehamilan.csv": "id_kehamilan,nik,hpht,tanggal_persalinan,fasilitas\n"
            f"KH-PKM-1,{nik},2018-01-01,,PKM Cibitung\n"
            f"BPM-77,{nik},{second_hpht},2018-10-03,BPM Sari\n",
            "kunjungan_anc.csv": "id_kehamilan,tanggal,fasilitas,penolong\n"
            "KH-PKM-1,2018-02-26,PKM Cibitung,bidan\n"
            "BPM-77,2018-07-30,BPM Sari,bidan\n",
            "persalinan.csv": f"id_kehamilan,nik,tanggal,fasilitas\nBPM-77,{nik},2018-10-03,BPM Sari\n",
        },
    )


def test_one_pregnancy_at_two_facilities_is_one_subject(tmp_path):
    reg = read_folder(_two_facilities(tmp_path, "2018-01-29"), today=TODAY)
    (preg,) = reg.of_kind("kehamilan")
    assert preg.get("id_kehamilan") == "KH-PKM-1" and preg.get("hpht") == dt.date(2018, 1, 1)
    assert preg.get("tanggal_persalinan") == dt.date(2018, 10, 3)  # filled from the midwife's row
    assert [v.get("id_kehamilan") for v in reg.of_kind("kunjungan_anc")] == ["KH-PKM-1", "KH-PKM-1"]
    assert [d.get("id_kehamilan") for d in reg.of_kind("persalinan")] == ["KH-PKM-1"]
    (merge,) = [p for p in reg.problems if p.reason.code == "cross.same_episode_merged"]
    assert merge.severity == "warning" and merge.line == 3 and merge.file.endswith("kehamilan.csv")
    text = say(merge.reason)
    assert "id_kehamilan=BPM-77" in text and "id_kehamilan=KH-PKM-1" in text and "28 hari" in text
    assert "fasilitas: PKM Cibitung / BPM Sari" in text
    fates = {(e.ref.line, e.fate) for e in reg.entries if e.ref.file.endswith("kehamilan.csv")}
    assert fates == {(2, "record"), (3, "duplicate")}


def test_pregnancies_further_apart_than_the_tolerance_stay_two(tmp_path):
    reg = read_folder(_two_facilities(tmp_path, "2018-01-30"), today=TODAY)
    assert sorted(p.get("id_kehamilan") for p in reg.of_kind("kehamilan")) == ["BPM-77", "KH-PKM-1"]
    assert not [p for p in reg.problems if p.reason.code == "cross.same_episode_merged"]


def test_the_merge_is_in_validate_and_the_ledger(tmp_path, capsys):
    d = _two_facilities(tmp_path, "2018-01-15")
    main(["validate", str(d)])
    out = capsys.readouterr()
    assert "BPM-77" in out.out + out.err and "episode yang sama" in out.out + out.err
