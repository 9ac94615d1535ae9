"""Denominators from sasaran, estimates and counts; periods other than the calendar year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from spm_rules.api import run_check
from spm_rules.engine.period import PeriodError, parse_period
from spm_rules.resources import bundled_rules

from .conftest import copy_rule_set, write_register


def rules_with(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "rules"
    copy_rule_set(folder)
    path = folder / "06_usia_produktif.spm"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def one_person(tmp_path: Path, sasaran: list[dict]) -> Path:
    return write_register(
        tmp_path / "data",
        {
            "penduduk": [
                {
                    "nik": "3216011005800001",
                    "nama": "A",
                    "jenis_kelamin": "L",
                    "tanggal_lahir": "1980-05-10",
                    "wilayah": "PKM A",
                }
            ],
            "skrining_ptm": [
                {
                    "nik": "3216011005800001",
                    "tanggal": "2018-05-10",
                    "fasilitas": "PKM A",
                    "petugas": "dokter",
                    "tinggi_badan": "170",
                    "berat_badan": "70",
                    "lingkar_perut": "80",
                    "sistolik": "120",
                    "diastolik": "80",
                    "gula_darah": "100",
                    "skor_srq20": "1",
                    "visus": "6/6",
                    "pendengaran": "normal",
                }
            ],
            "sasaran": sasaran,
        },
    )


def test_estimate_denominator_prevalence_times_population(tmp_path):
    # the regulation's example H: 25,61 % x 2.300.000 people aged >= 15 = 589.030
    rules = rules_with(
        tmp_path,
        'denominator sasaran("usia_produktif") otherwise counted',
        'denominator 25.61% * sasaran("penduduk_15_plus") otherwise counted',
    )
    data = one_person(
        tmp_path, [{"indikator": "penduduk_15_plus", "tahun": 2018, "fasilitas": "*", "jumlah": 2300000}]
    )
    report = run_check(rules, data, "2018", ["usia_produktif"]).reports[0]
    assert report.total.denominator == Decimal("589030")
    assert report.total.source.kind == "estimate"
    assert report.total.source.expr == '25.61% * sasaran("penduduk_15_plus")'
    # the facility has no estimate of its own, so it falls back to its visitors
    assert report.rows[0].denominator == 1 and report.rows[0].source.kind == "counted"


def test_facility_sasaran_beats_count_and_total_sums_facilities(tmp_path):
    data = one_person(
        tmp_path,
        [
            {"indikator": "usia_produktif", "tahun": 2018, "fasilitas": "PKM A", "jumlah": 4},
            {"indikator": "usia_produktif", "tahun": 2017, "fasilitas": "*", "jumlah": 99},
        ],
    )
    report = run_check(bundled_rules(), data, "2018", ["usia_produktif"]).reports[0]
    row = report.rows[0]
    assert (row.denominator, row.source.kind, row.numerator) == (4, "sasaran", 1)
    assert row.without_records == 3
    # the 2017 area row does not apply to 2018: the total is the sum of the facility rows
    assert report.total.denominator == 4 and report.total.source.kind == "sum"


def test_no_sasaran_at_all_counts_subjects(tmp_path):
    data = one_person(tmp_path, [])
    report = run_check(bundled_rules(), data, "2018", ["usia_produktif"]).reports[0]
    assert report.total.denominator == 1 and report.total.numerator == 1


@pytest.mark.parametrize(
    "spec, kind, start, end, label",
    [
        ("2018", "year", dt.date(2018, 1, 1), dt.date(2018, 12, 31), "2018"),
        ("2018-Q3", "quarter", dt.date(2018, 7, 1), dt.date(2018, 9, 30), "2018-Q3"),
        ("2018-02", "month", dt.date(2018, 2, 1), dt.date(2018, 2, 28), "2018-02"),
        ("2018/2019", "school_year", dt.date(2018, 7, 1), dt.date(2019, 6, 30), "2018/2019"),
    ],
)
def test_period_specs(spec, kind, start, end, label):
    p = parse_period(spec)
    assert (p.kind, p.start, p.end, p.label) == (kind, start, end, label)


def test_a_bare_year_means_the_school_year_for_school_standards():
    p = parse_period("2018", "school_year")
    assert (p.start, p.end) == (dt.date(2018, 7, 1), dt.date(2019, 6, 30))


@pytest.mark.parametrize("spec", ["18", "2018-13", "2018/2020", "2018-Q5", "tahun ini"])
def test_bad_periods_are_refused_in_plain_words(spec):
    with pytest.raises(PeriodError):
        parse_period(spec)


def test_monitoring_by_quarter(tmp_path):
    data = one_person(tmp_path, [])
    q2 = run_check(bundled_rules(), data, "2018-Q2", ["usia_produktif"]).reports[0]
    q3 = run_check(bundled_rules(), data, "2018-Q3", ["usia_produktif"]).reports[0]
    assert q2.total.numerator == 1  # screened on 10 May
    assert q3.total.numerator == 0
