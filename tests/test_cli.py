"""The command line end to end, in-process: output, JSON contract, exit codes, no tracebacks."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from spm_rules.cli.main import main
from spm_rules.report.i18n import number, percent
from spm_rules.report.privacy import Privacy


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_with_no_arguments_runs_the_bundled_sample(capsys):
    code, out, _err = run_cli(capsys, "check")
    assert code == 0
    assert "Pelayanan Kesehatan Ibu Hamil" in out and "Usia Produktif" in out
    for header in ("Fasilitas", "Sasaran", "Sesuai standar", "Capaian", "Keterangan"):
        assert header in out
    assert "Jumlah" in out and "22,86 %" in out  # 8 / 35, computed from the records


def test_check_json_contract(capsys):
    code, out, _ = run_cli(capsys, "check", "--format", "json", "--period", "2018")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema_version"] == 2
    by_id = {s["id"]: s for s in doc["standards"]}
    ibu = by_id["ibu_hamil"]
    assert ibu["total"]["numerator"] == 8 and ibu["total"]["denominator"] == 35
    assert ibu["total"]["capaian"] == "22.86" and ibu["total"]["capaian_exact"] == "8/35"
    # every facility row adds up to the total, and reasons are counted per criterion
    rows = ibu["facilities"]
    assert sum(r["numerator"] for r in rows) == ibu["total"]["numerator"]
    assert sum(r["subjects"] for r in rows) == ibu["total"]["subjects"]
    assert ibu["total"]["failing"]["t7"] == 2
    assert {r["denominator_source"]["kind"] for r in rows} == {"sasaran"}
    prod = by_id["usia_produktif"]
    assert prod["total"]["denominator"] == 40
    assert prod["total"]["denominator_source"]["kind"] == "sasaran"
    assert prod["total"]["numerator"] == 13
    assert prod["total"]["informative_failing"] == {"iva": 2, "sadanis": 1}
    for row in rows:
        assert len(row["subjects_counted"]) == row["numerator"]


def test_check_in_english(capsys):
    code, out, _ = run_cli(capsys, "check", "--lang", "en", "--standard", "ibu_hamil")
    assert code == 0
    assert "Served to standard" in out and "22.86 %" in out
    assert "Usia Produktif" not in out


def test_explain_text_and_json(capsys):
    code, out, _ = run_cli(capsys, "explain", "--standard", "ibu_hamil", "--subject", "KH-2018-24")
    assert code == 0
    assert "TIDAK sesuai standar" in out
    assert "tablet tambah darah: 89 tablet, minimal 90" in out
    assert "kunjungan_anc.csv" in out and "baris 250" in out
    code, out, _ = run_cli(
        capsys,
        "explain",
        "--standard",
        "ibu_hamil",
        "--subject",
        "KH-2018-24",
        "--format",
        "json",
        "--mask-nik",
    )
    doc = json.loads(out)
    assert doc["counted"] is False
    t7 = next(c for c in doc["criteria"][1]["children"] if c["id"] == "t7")
    assert t7["status"] == "not_met" and t7["facts"][0]["value"] == 89


def test_masking_nik(capsys):
    _code, out, _ = run_cli(capsys, "check", "--format", "json", "--mask-nik", "--standard", "usia_produktif")
    keys = json.loads(out)["standards"][0]["total"]["subjects_counted"]
    assert keys and all("********" in k for k in keys)
    assert Privacy(True).text("3216015203900001") == "3216********0001"


@pytest.mark.parametrize(
    "args, needle",
    [
        (["check", "--data", "/nonexistent/folder"], "folder data tidak ditemukan"),
        (["check", "--period", "2018-13"], "bulan tidak ada"),
        (["check", "--standard", "nope"], "standar tidak dikenal"),
        (["explain", "--standard", "ibu_hamil", "--subject", "KH-X"], "'KH-X' bukan subjek"),
        (["check", "--lang", "fr"], "Invalid value"),
        (["explain"], "Missing option"),
    ],
)
def test_usage_and_input_errors_exit_2_without_traceback(capsys, args, needle):
    code, out, err = run_cli(capsys, *args)
    assert code == 2
    assert needle in out + err
    assert "Traceback" not in out + err


def test_broken_rules_exit_2_with_positions(capsys, tmp_path):
    bad = tmp_path / "bad.spm"
    bad.write_text('standard a {\n  title "x"\n  require\n}\n', encoding="utf-8")
    code, _out, err = run_cli(capsys, "check", "--rules", str(tmp_path))
    assert code == 2
    assert "bad.spm:3:3" in err and "^" in err
    assert "Traceback" not in err


def test_rejected_rows_are_reported_and_strict_fails(capsys, tmp_path):
    from tests.conftest import write_register

    folder = write_register(
        tmp_path / "d",
        {
            "penduduk": [
                {
                    "nik": "3216011005800001",
                    "nama": "A",
                    "jenis_kelamin": "L",
                    "tanggal_lahir": "31/02/1980",
                    "wilayah": "PKM A",
                }
            ],
        },
    )
    code, _out, err = run_cli(capsys, "check", "--data", str(folder), "--period", "2018")
    assert code == 0
    assert "penduduk.csv:2 kolom 'tanggal_lahir' = '31/02/1980': tanggal tidak ada" in err
    code, _out, _err = run_cli(capsys, "check", "--data", str(folder), "--strict")
    assert code == 2


def test_display_rules():
    assert percent(Fraction(3850, 4000)) == "96,25 %"
    assert percent(Fraction(4850, 6000)) == "80,83 %"
    assert percent(Fraction(1, 8), "en") == "12.50 %"
    assert percent(Fraction(1, 200)) == "0,50 %"  # half up
    assert number(1688228) == "1.688.228" and number(1688228, "en") == "1,688,228"


def test_explain_picks_the_pupils_enrolment_of_the_requested_school_year(capsys, tmp_path):
    from tests.conftest import write_register

    nik = "3216011005120001"
    folder = write_register(
        tmp_path / "d",
        {
            "penduduk": [{"nik": nik, "jenis_kelamin": "L", "tanggal_lahir": "2012-05-10"}],
            "pendaftaran_sekolah": [
                {"nik": nik, "sekolah": "SD 1", "kelas": 1, "tahun_ajaran": "2018/2019", "wilayah": "A"},
                {"nik": nik, "sekolah": "SD 1", "kelas": 2, "tahun_ajaran": "2019/2020", "wilayah": "A"},
            ],
        },
    )
    # the 2016 rules (grades 1 and 7): grade 1 in 2018/2019, grade 2 in 2019/2020; under the 2019
    # rules (grades 1-9) the grade-2 enrolment of 2019/2020 is in the population
    for period, rule_set, inside in (("2018", "2016", True), ("2019", "2016", False), ("2019", "2019", True)):
        code, out, _ = run_cli(
            capsys,
            "explain",
            "--standard",
            "pendidikan_dasar",
            "--subject",
            nik,
            "--data",
            str(folder),
            "--period",
            period,
            "--rule-set",
            rule_set,
            "--format",
            "json",
        )
        assert code == 0 and json.loads(out)["in_population"] is inside, (period, rule_set)


def test_check_to_excel(capsys, tmp_path):
    from openpyxl import load_workbook

    out_file = tmp_path / "spm.xlsx"
    code, _out, _err = run_cli(capsys, "check", "--format", "xlsx", "--output", str(out_file), "--mask-nik")
    assert code == 0
    wb = load_workbook(out_file)
    summary = wb["Ringkasan"]
    # Tabel 3.4 shape: one row per service — indicator, sasaran, served, target, realisasi, capaian
    rows = {r[0]: r for r in summary.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 12  # the sample covers all twelve services
    assert rows["ibu_hamil"][2:5] == (35, 8, 1) and abs(rows["ibu_hamil"][5] - 8 / 35) < 1e-12
    assert summary["F2"].number_format == "0.00%" and summary.freeze_panes == "A2" and summary.auto_filter.ref
    # one Juknis-shaped sheet per service, with its total row
    ibu = list(wb["ibu_hamil"].iter_rows(min_row=2, values_only=True))
    assert ibu[-1][:4] == ("Jumlah", 35, 32, 8) and wb["ibu_hamil"]["E2"].number_format == "0.00%"
    # the drill-down: every subject in the population, with the source rows of those not counted
    subjects = list(wb["Subjek"].iter_rows(min_row=2, values_only=True))
    assert len(subjects) == sum(list(wb[sid].iter_rows(values_only=True))[-1][2] for sid in rows)
    not_counted = [r for r in subjects if r[3] == "tidak"]
    assert not_counted and all(r[6] and ".csv:" in r[6] for r in not_counted)
    people = [r for r in subjects if r[0] == "usia_produktif"]
    assert all("********" in r[2] for r in people)  # NIK masked
    assert any(r[3] == "tidak" and r[4] for r in subjects)


def test_excel_writes_formula_like_text_as_text(capsys, tmp_path):
    from openpyxl import load_workbook

    from tests.conftest import write_register

    folder = write_register(
        tmp_path / "d",
        {
            "penduduk": [
                {
                    "nik": "3216015203900001",
                    "jenis_kelamin": "P",
                    "tanggal_lahir": "1990-03-12",
                    "wilayah": "=1+1",
                }
            ],
            "kehamilan": [
                {
                    "id_kehamilan": '=HYPERLINK("http://x")',
                    "nik": "3216015203900001",
                    "hpht": "2018-01-01",
                    "tanggal_persalinan": "2018-10-03",
                }
            ],
        },
    )
    out_file = tmp_path / "x.xlsx"
    assert (
        main(
            [
                "check",
                "--data",
                str(folder),
                "--period",
                "2018",
                "--format",
                "xlsx",
                "--output",
                str(out_file),
            ]
        )
        == 0
    )
    ws = load_workbook(out_file)["Subjek"]
    cell = ws["C2"]
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"
    assert ws["B2"].value == "=1+1" and ws["B2"].data_type == "s"


def test_excel_needs_an_output_file(capsys):
    code, _out, err = run_cli(capsys, "check", "--format", "xlsx")
    assert code == 2 and "--output" in err


def test_explain_by_nik_lists_every_standard_and_pregnancy(capsys):
    code, out, _ = run_cli(capsys, "explain", "--subject", "3216014101900100")
    assert code == 0
    assert "KH-2018-01" in out and "ibu_hamil" in out


def test_explain_by_person_across_standards(capsys):
    code, out, _ = run_cli(capsys, "explain", "--subject", "3216010201800500", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    docs = doc if isinstance(doc, list) else [doc]
    assert {d["standard"] for d in docs} >= {"usia_produktif"}


def test_explain_an_unknown_nik_suggests_the_closest(capsys):
    code, _out, err = run_cli(capsys, "explain", "--subject", "3216014101900101")
    assert code == 2 and "3216014101900100" in err and "mungkin maksud Anda" in err


def test_quiet_and_verbose(capsys, tmp_path):
    code = main(["check", "--quiet", "--format", "json", "--output", str(tmp_path / "a.json")])
    out, err = capsys.readouterr()
    assert code == 0 and out == "" and err == ""
    code = main(
        ["check", "--verbose", "--period", "2018", "--format", "json", "--output", str(tmp_path / "b.json")]
    )
    out, err = capsys.readouterr()
    assert code == 0 and "menilai standar 12/12" in err and "membaca file" in err


def test_explain_speaks_plain_words_and_keeps_the_rule_text_for_maintainers(capsys):
    code, out, _ = run_cli(capsys, "explain", "--standard", "ibu_hamil", "--subject", "KH-2018-24")
    assert code == 0
    assert "berat badan tercatat pada 4 dari 4 kunjungan ANC" in out
    assert "tablet tambah darah: 89 tablet, minimal 90 (kurang 1)" in out
    assert "is not missing" not in out and "reports_in/sample/kunjungan_anc.csv baris 94" in out
    code, out, _ = run_cli(
        capsys, "explain", "--standard", "ibu_hamil", "--subject", "KH-2018-24", "--lang", "en"
    )
    assert "berat badan recorded in 4 of 4" in out and "(1 short)" in out
    code, out, _ = run_cli(
        capsys, "explain", "--standard", "ibu_hamil", "--subject", "KH-2018-24", "--verbose"
    )
    assert "v.berat_badan is not missing: 4 dari 4" in out


def test_explain_names_the_visit_left_out_and_why(capsys):
    code, out, _ = run_cli(capsys, "explain", "--standard", "ibu_hamil", "--subject", "KH-2018-15")
    assert code == 0 and "Tidak dihitung:" in out
    assert "kunjungan_anc.csv baris 59 (2018-05-21, PKM Tambun) tidak termasuk kunjungan ANC" in out
    assert "str penolong tercatat" in " ".join(out.split())


def test_the_html_report_names_the_visit_left_out_too(capsys, tmp_path):
    page = tmp_path / "r.html"
    code, _out, _ = run_cli(
        capsys, "check", "--standard", "ibu_hamil", "--format", "html", "--output", str(page)
    )
    assert code == 0
    text = " ".join(page.read_text(encoding="utf-8").split())
    assert "Tidak dihitung:" in text and "kunjungan_anc.csv baris 59 (2018-05-21, PKM Tambun)" in text
