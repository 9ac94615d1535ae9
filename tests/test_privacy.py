"""Privacy is one rendering policy: with --mask-nik no NIK read from the input appears in any
output — text, JSON, XLSX, the ledger, explain, validate, data-problem lists, error messages."""

from __future__ import annotations

import re
import shutil
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


def _masked_before(secrets: list[str], text: str) -> str:
    """`Privacy.text` as it was (9d8827d): every secret searched through the whole text,
    longest first, then any 16 digits, then runs of a secret's digits — the reference."""
    from spm_rules.report import privacy as P

    texts = {s.strip() for s in secrets if s and s.strip()}
    digits = {d for d in (P._NON_DIGIT.sub("", t) for t in texts) if len(d) >= 4}
    for secret in sorted((t for t in texts if len(t) >= 4), key=len, reverse=True):
        if secret in text:
            text = text.replace(
                secret, mask_digits(secret) if any(c.isdigit() for c in secret) else "*" * len(secret)
            )
    text = P._SIXTEEN.sub(lambda m: mask_digits(m.group()), text)

    def run(m: re.Match[str]) -> str:
        found = P._NON_DIGIT.sub("", m.group())
        return mask_digits(m.group()) if len(found) == 16 or found in digits else m.group()

    return P._RUN.sub(run, text)


NIKS = st.text("0123456789", min_size=16, max_size=16)
PIECES = st.one_of(
    NIKS, st.text("0123456789", max_size=20), st.sampled_from(['", "', ",", "-", " ", "s-x-", "\n"])
)


SECRETS = st.lists(
    st.one_of(
        NIKS,
        st.text("0123456789", min_size=4, max_size=18),
        st.tuples(
            st.text("0123456789", min_size=1, max_size=6), st.sampled_from(["/RW", "-5", " 1", "x"])
        ).map("".join),  # a secret written with digits and more (a NIK's end and a suffix)
    ),
    min_size=1,
    max_size=6,
)


@given(SECRETS.map(lambda s: sorted(set(s))), st.data())
def test_niks_are_masked_in_their_runs_as_when_searched_through_the_text(secrets, data):
    """A city's report is masked run of digits by run of digits, longest secret first; where
    no two secrets of one length overlap (NIKs: all 16 digits, standing in keys, identifiers
    and longer numbers; a 12-digit one inside a 16-digit one), that is exactly what
    searching each secret through the whole text gave."""
    # pieces of the secrets too: a secret's first or last digits standing elsewhere
    parts = st.sampled_from(secrets).flatmap(lambda t: st.sampled_from([t, t[:4], t[-4:], t[:-3]]))
    pieces = data.draw(st.lists(st.one_of(st.sampled_from(secrets), parts, PIECES), max_size=12))
    text = "".join(pieces)
    masked = Privacy(True, secrets).text(text)
    assert len(masked) == len(text) and not any(s in masked for s in secrets if len(s) >= 4)
    spans = [(i, i + len(s), s) for s in secrets for i in range(len(text)) if text.startswith(s, i)]
    overlapping = any(
        a < d and c < b and s != t and len(s) == len(t) for a, b, s in spans for c, d, t in spans
    )
    if not overlapping:
        assert masked == _masked_before(secrets, text)


@given(st.text("0123456789", min_size=1, max_size=24))
def test_a_number_is_masked_alike_written_as_digits_or_not(digits):
    assert mask_digits(digits) == mask_digits(digits + "x")[:-1]


def test_a_secret_inside_a_longer_one_and_a_nik_glued_to_digits():
    """The longer secret is masked first (a 12-digit rejected NIK inside a valid one leaves
    the valid one masked as a whole), and a NIK glued to other digits is still masked."""
    privacy = Privacy(True, [VALID, VALID[:12], "98765"])
    assert privacy.text(f'"{VALID}", s-x-{VALID}5-1') == '"3216********0001", s-x-3216********00015-1'
    assert privacy.text(f"{VALID[:12]}77") == "3216****039077"
    assert privacy.text("1987654") == "1****54"
    assert privacy.text(f"é {VALID}") == "é 3216********0001"  # (not ASCII: its own regex)
    # a 4-digit secret in the digits a masked NIK keeps; a secret with more than digits
    # longer than a NIK's end: each masked as the search through the whole text masked it
    for secrets, text, masked in (
        ([VALID, "3216"], VALID, "************0001"),
        ([VALID, "0001/RW"], f"{VALID}/RW", "3216************/RW"),
    ):
        assert Privacy(True, secrets).text(text) == masked == _masked_before(secrets, text)
    only_niks = Privacy(True, [VALID, DOUBTFUL])  # (no shorter secret: runs of 16 left to `_SIXTEEN`)
    assert (
        only_niks.text(f"{VALID}5 {DOUBTFUL} 9{VALID}")
        == "3216********00015 3216********0005 93216********0001"
    )
    for text in (f'"{VALID}", s-x-{VALID}5-1', f"{VALID[:12]}77", "1987654", f"00{VALID}{VALID}"):
        assert privacy.text(text) == _masked_before([VALID, VALID[:12], "98765"], text)


def _walked(register) -> set[str]:
    """`personal_values` walking every entry's record (as it was)."""
    kinds = register.contract.kinds
    personal = {(k.name, f.name) for k in kinds.values() for f in k.fields.values() if f.personal}
    out = {
        str(e.record.get(n)) for e in register.entries for k, n in personal if e.record and e.record.kind == k
    }
    columns = {n for _k, n in personal}
    return {v for v in out if v not in ("None", "")} | {
        p.value for p in register.problems if p.column in columns and p.value
    }


def test_personal_values_read_a_column_at_a_time_are_every_entrys(data, tmp_path):
    """The personal values of the runs of kept rows, read a column at a time, with the
    entries a check put in their place (the duplicated row) and the records of a file the
    Python readers read, are those of every entry."""
    from spm_rules.registers import readers
    from spm_rules.registers.runs import Entries
    from spm_rules.report.privacy import personal_values

    from .test_read_fast import CONTRACT, TODAY, _city

    other = '{"nik": "3216015203900009", "jenis_kelamin": "P", "tanggal_lahir": "1990-03-12"}'
    (data / "penduduk.jsonl").write_text(other + "\n", encoding="utf-8")  # (the Python readers')
    for folder in (data, _city(tmp_path / "city")):
        register = readers.read_folder(folder, CONTRACT, today=TODAY)
        made = register.entries.made  # (a record not a kept row: the checks walk every entry)
        assert isinstance(register.entries, Entries) and made == (folder == data)
        found = personal_values(register)
        assert register.entries.made == made  # no record made for it
        assert found == _walked(register) and found
    assert "3216015203900009" in personal_values(readers.read_folder(data, CONTRACT, today=TODAY))
