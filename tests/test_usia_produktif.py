"""SPM 6, usia produktif: each component, the 15-59 age limits, and the conditional cancer
screening for women 30-59 (informative, see the note in 06_usia_produktif.spm)."""

from __future__ import annotations

import datetime as dt

import pytest

from spm_rules.engine.verdict import Status

DAY = dt.date(2018, 5, 10)


def person(birth: dt.date, sex: str = "L", nik: str = "3216011005800001") -> dict:
    return {"nik": nik, "nama": "Warga", "jenis_kelamin": sex, "tanggal_lahir": birth, "wilayah": "PKM A"}


def screen(nik: str = "3216011005800001", when: dt.date = DAY, **kw) -> dict:
    row = {
        "nik": nik,
        "tanggal": when,
        "fasilitas": "Posbindu Melati",
        "petugas": "kader_posbindu",
        "tinggi_badan": "165",
        "berat_badan": "68",
        "lingkar_perut": "84",
        "sistolik": "120",
        "diastolik": "80",
        "gula_darah": "110",
        "skor_srq20": "2",
        "visus": "6/6",
        "pendengaran": "normal",
        "sadanis": "",
        "iva": "",
    }
    row.update(kw)
    return row


def tables(p: dict, screens: list[dict]) -> dict:
    return {"penduduk": [p], "skrining_ptm": screens}


NIK = "3216011005800001"


def test_complete_screening_is_counted(run):
    r = run("usia_produktif", tables(person(dt.date(1980, 5, 10)), [screen()]), NIK)
    assert r.v.in_population and r.v.counted
    assert r.v.facility == "Posbindu Melati"
    assert r.status("kanker") == Status.NOT_APPLICABLE  # a man


@pytest.mark.parametrize(
    "cid, blank",
    [
        ("obesitas", {"lingkar_perut": ""}),
        ("hipertensi", {"sistolik": ""}),
        ("diabetes", {"gula_darah": ""}),
        ("mental", {"skor_srq20": ""}),
        ("penglihatan", {"visus": ""}),
        ("pendengaran", {"pendengaran": ""}),
        ("petugas", {"petugas": "lainnya"}),
    ],
)
def test_each_component_fails_when_not_done(run, cid, blank):
    r = run("usia_produktif", tables(person(dt.date(1980, 5, 10)), [screen(**blank)]), NIK)
    assert r.status(cid) == Status.NOT_MET
    assert not r.v.counted


def test_components_may_be_spread_over_visits_in_the_year(run):
    first = screen(gula_darah="", skor_srq20="", visus="", pendengaran="")
    second = screen(
        when=DAY + dt.timedelta(days=30),
        tinggi_badan="",
        berat_badan="",
        lingkar_perut="",
        sistolik="",
        diastolik="",
    )
    r = run("usia_produktif", tables(person(dt.date(1980, 5, 10)), [first, second]), NIK)
    assert r.v.counted


@pytest.mark.parametrize(
    "birth, inside",
    [
        (dt.date(2003, 5, 10), True),  # 15 on the day of screening
        (dt.date(2003, 5, 11), False),  # 14 until tomorrow
        (dt.date(1958, 5, 11), True),  # still 59
        (dt.date(1958, 5, 10), False),  # 60 on the day
    ],
)
def test_age_15_to_59_on_the_first_screening(run, birth, inside):
    r = run("usia_produktif", tables(person(birth), [screen()]), NIK)
    assert r.v.in_population is inside


def test_only_screenings_inside_the_period_count(run):
    p = person(dt.date(1980, 5, 10))
    first_day = run("usia_produktif", tables(p, [screen(when=dt.date(2018, 1, 1))]), NIK)
    last_day = run("usia_produktif", tables(p, [screen(when=dt.date(2018, 12, 31))]), NIK)
    before = run("usia_produktif", tables(p, [screen(when=dt.date(2017, 12, 31))]), NIK)
    assert first_day.v.counted and last_day.v.counted
    assert not before.v.in_population


def _woman(age_on_day: int, days_before_birthday: int = 0) -> dict:
    birth = dt.date(DAY.year - age_on_day, DAY.month, DAY.day)
    return person(birth + dt.timedelta(days=days_before_birthday), "P", NIK)


def test_cancer_screening_applies_to_women_30_not_29(run):
    r29 = run("usia_produktif", tables(_woman(29, 1), [screen()]), NIK)
    assert r29.status("kanker") == Status.NOT_APPLICABLE
    r30 = run("usia_produktif", tables(_woman(30), [screen()]), NIK)
    assert r30.status("kanker") == Status.NOT_MET
    assert r30.status("iva") == Status.NOT_MET
    # informative: the woman is still counted, as worked example F counts Posbindu visitors
    # without IVA
    assert r30.v.counted


def test_cancer_screening_met(run):
    r = run("usia_produktif", tables(_woman(40), [screen(sadanis="normal", iva="negatif")]), NIK)
    assert r.status("sadanis") == Status.MET and r.status("iva") == Status.MET


def test_woman_turning_30_at_a_later_visit(run):
    birth = dt.date(DAY.year - 30, DAY.month, DAY.day) + dt.timedelta(days=10)
    p = person(birth, "P", NIK)
    later = screen(when=DAY + dt.timedelta(days=20), sadanis="normal")
    r = run("usia_produktif", tables(p, [screen(), later]), NIK)
    assert r.status("sadanis") == Status.MET
    assert r.status("iva") == Status.NOT_MET


def test_sex_not_recorded_makes_applicability_unknown(run, ruleset, tmp_path):
    # jenis_kelamin is required by the data contract: a row without it is rejected with a reason
    from spm_rules.registers.readers import read_folder

    from .conftest import write_register

    p = person(dt.date(1980, 5, 10), "")
    folder = write_register(tmp_path / "x", tables(p, [screen()]))
    reg = read_folder(folder)
    assert reg.rows_rejected == 1
    problem = next(pr for pr in reg.problems if pr.severity == "error")
    assert problem.column == "jenis_kelamin" and problem.line == 2
