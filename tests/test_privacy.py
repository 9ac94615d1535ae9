"""Privacy is one rendering policy: with --mask-nik no NIK read from the input appears in any
output — text, JSON, XLSX, the ledger, explain, validate, data-problem lists, error messages."""

from __future__ import annotations

import re
import shutil
import zipfile

import pytest

from spm_rules.cli.main import main
from spm_rules.report.privacy import Privacy, mask_digits
from spm_rules.resources import bundled_sample

# NIKs placed in every kind of place a register can hold one
VALID = "3216015203900001"  # a valid person, subject of usia produktif
DUPLICATED = "3216015203900002"  # a row loaded twice (duplicate warning)
SHORT = "321601520390"  # a 12-digit NIK: rejected, quoted in the problem list
SPACED = "3216 0152 0390 0004"  # a NIK written with spaces: rejected
DOUBTFUL = "3216014101900005"  # birth date in the NIK differs from tanggal_lahir: a warning
ALL = [VALID, DUPLICATED, SHORT, SPACED.replace(" ", ""), DOUBTFUL]

PEOPLE = (
    "nik,nama,jenis_kelamin,tanggal_lahir,wilayah\n"
    f"{VALID},Ibu A,P,1990-03-12,PKM A\n"
    f"{DUPLICATED},Ibu B,P,1990-03-12,PKM A\n"
    f"{DUPLICATED},Ibu B,P,1990-03-12,PKM A\n"
    f"{SHORT},Ibu C,P,1990-03-12,PKM A\n"
    f"{SPACED},Ibu D,P,1990-03-12,PKM A\n"
    f"{DOUBTFUL},Ibu E,P,1985-05-05,PKM A\n"
)
SCREENING = (
    "nik,tanggal,fasilitas,petugas,tinggi_badan,berat_badan,lingkar_perut,sistolik,diastolik,"
    "gula_darah,skor_srq20,visus,pendengaran,sadanis,iva\n"
    f"{VALID},2018-03-01,PKM A,perawat,165,68,84,124,82,112,3,6/6,normal,,\n"
    f"{SHORT},2018-03-01,PKM A,perawat,165,68,84,124,82,112,3,6/6,normal,,\n"
    f"{DOUBTFUL},2018-13-01,PKM A,perawat,165,68,84,124,82,112,3,6/6,normal,,\n"
)


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    (d / "penduduk.csv").write_text(PEOPLE, encoding="utf-8")
    (d / "skrining_ptm.csv").write_text(SCREENING, encoding="utf-8")
    return d


def _leaks(text: str) -> list[str]:
    digits_only = re.sub(r"[ .\-]", "", text)
    return [nik for nik in ALL if nik in text or nik in digits_only]


def _run(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def test_the_fixture_really_holds_the_niks_unmasked(capsys, data):
    code, text = _run(capsys, "validate", str(data))
    assert code == 1
    assert set(_leaks(text)) >= {SHORT, DOUBTFUL, SPACED.replace(" ", "")}


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_check_masks_every_nik(capsys, data, tmp_path, fmt, lang):
    ledger = tmp_path / "ledger.csv"
    code, text = _run(
        capsys, "check", "--data", str(data), "--period", "2018", "--format", fmt, "--lang", lang,
        "--mask-nik", "--ledger", str(ledger),
    )  # fmt: skip
    assert code == 0
    assert _leaks(text) == []
    assert _leaks(ledger.read_text(encoding="utf-8")) == []
    if fmt == "json":
        assert "3216********0001" in text  # the subject is still there, masked


def test_check_xlsx_masks_every_cell(capsys, data, tmp_path):
    out = tmp_path / "spm.xlsx"
    code, text = _run(
        capsys, "check", "--data", str(data), "--period", "2018", "--format", "xlsx", "--output", str(out),
        "--mask-nik",
    )  # fmt: skip
    assert code == 0 and _leaks(text) == []
    with zipfile.ZipFile(out) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert _leaks(xml) == []


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_validate_and_explain_mask_every_nik(capsys, data, fmt):
    code, text = _run(capsys, "validate", str(data), "--mask-nik", "--format", fmt)
    assert code == 1 and _leaks(text) == []
    code, text = _run(
        capsys, "explain", "--standard", "usia_produktif", "--subject", VALID, "--data", str(data),
        "--period", "2018", "--mask-nik", "--format", fmt,
    )  # fmt: skip
    assert code == 0 and _leaks(text) == []


def test_an_unknown_subject_is_masked_in_the_error(capsys, data):
    code, text = _run(
        capsys, "explain", "--standard", "usia_produktif", "--subject", "3216015203909999", "--data",
        str(data), "--mask-nik",
    )  # fmt: skip
    assert code == 2 and "3216015203909999" not in text


def test_a_mapping_error_is_masked(capsys, tmp_path):
    d = tmp_path / "data"
    shutil.copytree(bundled_sample(), d)
    (d / "mapping.yaml").write_text("tables:\n  - match: '3216015203900001*'\n    kind: tidak_ada\n")
    code, text = _run(capsys, "check", "--data", str(d), "--mask-nik")
    assert code == 2 and "3216015203900001" not in text


def test_without_the_flag_nothing_is_masked(capsys, data):
    code, text = _run(capsys, "check", "--data", str(data), "--period", "2018", "--format", "json")
    assert code == 0 and VALID in text


def test_mask_keeps_region_and_last_four_and_separators():
    assert mask_digits("3216015203900001") == "3216********0001"
    assert mask_digits("3216 0152 0390 0004") == "3216 **** **** 0004"
    assert Privacy(True, ["12345678"]).text("id 12345678 ok") == "id ******78 ok"
    assert Privacy(True).text("1.688.228 jiwa, 2018-03-12") == "1.688.228 jiwa, 2018-03-12"
    assert Privacy(False).text(VALID) == VALID
    # a NIK inside an identifier or beside other digits is still a NIK
    assert Privacy(True, [VALID]).text(f"s-usia_produktif-{VALID}-5") == "s-usia_produktif-3216********0001-5"
    assert Privacy(True).text(f"x{VALID}y") == "x3216********0001y"
