"""SPM 1, ibu hamil: every criterion met / not met / not applicable / not recorded, and the
boundaries decided in rules/permenkes-43-2016/01_ibu_hamil.spm."""

from __future__ import annotations

import datetime as dt

import pytest

from spm_rules.engine.verdict import Status

NIK = "3216015203900001"
HPHT = dt.date(2018, 1, 1)
PID = "KH-1"


def day(n: int) -> dt.date:
    return HPHT + dt.timedelta(days=n)


def visit(n: int, **kw) -> dict:
    """A complete ANC visit on day n of the pregnancy."""
    row = {
        "id_kehamilan": PID,
        "tanggal": day(n),
        "fasilitas": "PKM A",
        "penolong": "bidan",
        "str_penolong": "STR-1",
        "berat_badan": "60",
        "tinggi_badan": "156" if n < 91 else "",
        "sistolik": "110",
        "diastolik": "70",
        "lila": "25" if n < 91 else "",
        "tfu": "20" if n > 90 else "",
        "presentasi": "kepala" if n >= 175 else "",
        "djj": "140" if n > 90 else "",
        "status_tt": "T2" if n < 91 else "",
        "tablet_ttd": "30",
        "konseling": "ya",
        "komplikasi": "",
        "tatalaksana": "",
    }
    row.update(kw)
    return row


def lab(test: str, n: int, hasil: str = "ada") -> dict:
    return {
        "nik": NIK,
        "tanggal": day(n),
        "fasilitas": "PKM A",
        "pemeriksaan": test,
        "hasil": hasil,
        "nilai": "",
    }


def complete(**over) -> dict:
    tables = {
        "penduduk": [
            {
                "nik": NIK,
                "nama": "Ibu",
                "jenis_kelamin": "P",
                "tanggal_lahir": "1990-03-12",
                "wilayah": "PKM A",
            }
        ],
        "kehamilan": [
            {
                "id_kehamilan": PID,
                "nik": NIK,
                "hpht": HPHT,
                "tanggal_persalinan": day(275),
                "fasilitas": "PKM A",
            }
        ],
        "kunjungan_anc": [visit(56), visit(140), visit(210), visit(252, tablet_ttd="0")],
        "pemeriksaan_lab": [lab("tes_kehamilan", 56), lab("hb", 56), lab("golongan_darah", 56)],
        "imunisasi": [{"nik": NIK, "tanggal": day(56), "fasilitas": "PKM A", "antigen": "Td", "dosis": "3"}],
    }
    tables.update(over)
    return tables


def test_complete_pregnancy_is_counted(run):
    r = run("ibu_hamil", complete(), PID)
    assert r.v.in_population and r.v.counted
    assert r.v.facility == "PKM A"
    for cid in (
        "k1",
        "k2",
        "k3",
        "t1_bb",
        "t1_tb",
        "t2",
        "t3",
        "t4",
        "t5",
        "t6_skrining",
        "t6_tt",
        "t7",
        "t8_hamil",
        "t8_hb",
        "t8_goldar",
        "t10",
    ):
        assert r.status(cid) == Status.MET, cid
    # conditional criteria with no indication are not applicable
    assert r.status("t8_protein") == Status.NOT_APPLICABLE
    assert r.status("t9") == Status.NOT_APPLICABLE


# ---- K4 schedule and its boundaries --------------------------------------------------------


def test_day_90_is_trimester_1_and_day_91_trimester_2(run):
    ok = run(
        "ibu_hamil",
        complete(
            kunjungan_anc=[
                visit(90, tinggi_badan="156", lila="25", status_tt="T2"),
                visit(140),
                visit(210),
                visit(252, tablet_ttd="0"),
            ]
        ),
        PID,
    )
    assert ok.status("k1") == Status.MET
    late = run(
        "ibu_hamil",
        complete(
            kunjungan_anc=[
                visit(91, tinggi_badan="156", lila="25", status_tt="T2"),
                visit(140),
                visit(210),
                visit(252, tablet_ttd="0"),
            ]
        ),
        PID,
    )
    assert late.status("k1") == Status.NOT_MET
    assert late.status("k2") == Status.MET
    fact = late.node("k1").facts[0]
    assert (fact.value, fact.op, fact.other) == (0, ">=", 1)


def test_week_24_is_trimester_2_and_week_25_trimester_3(run):
    # day 174 = 24 weeks 6 days (TM2); day 175 = week 25 (TM3)
    r = run(
        "ibu_hamil",
        complete(
            kunjungan_anc=[visit(56), visit(174), visit(175, presentasi="kepala"), visit(252, tablet_ttd="0")]
        ),
        PID,
    )
    assert r.status("k2") == Status.MET
    assert r.status("k3") == Status.MET
    r = run(
        "ibu_hamil",
        complete(kunjungan_anc=[visit(56), visit(140), visit(174), visit(252, tablet_ttd="0")]),
        PID,
    )
    assert r.status("k3") == Status.NOT_MET


def test_two_trimester_3_visits_on_one_day_count_once(run):
    r = run(
        "ibu_hamil",
        complete(kunjungan_anc=[visit(56), visit(140), visit(210), visit(210, tablet_ttd="0")]),
        PID,
    )
    assert r.status("k3") == Status.NOT_MET
    assert not r.v.counted


def test_visit_by_nurse_or_without_str_is_not_counted(run):
    nurse = run(
        "ibu_hamil",
        complete(kunjungan_anc=[visit(56, penolong="perawat"), visit(140), visit(210), visit(252)]),
        PID,
    )
    assert nurse.status("k1") == Status.NOT_MET
    no_str = run(
        "ibu_hamil",
        complete(kunjungan_anc=[visit(56), visit(140, str_penolong=""), visit(210), visit(252)]),
        PID,
    )
    assert no_str.status("k2") == Status.NOT_MET


# ---- 10T -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cid, change",
    [
        ("t1_bb", {1: {"berat_badan": ""}}),
        ("t1_tb", {0: {"tinggi_badan": ""}}),
        ("t2", {3: {"diastolik": ""}}),
        ("t3", {0: {"lila": ""}}),
        ("t4", {2: {"tfu": ""}}),
        ("t5", {3: {"djj": ""}}),
        ("t6_skrining", {0: {"status_tt": ""}}),
        ("t10", {2: {"konseling": ""}}),
    ],
)
def test_each_measurement_component_fails_when_not_recorded(run, cid, change):
    visits = [visit(56), visit(140), visit(210), visit(252, tablet_ttd="0")]
    for idx, kw in change.items():
        visits[idx].update(kw)
    r = run("ibu_hamil", complete(kunjungan_anc=visits), PID)
    assert r.status(cid) == Status.NOT_MET
    assert not r.v.counted


def test_all_over_no_visits_is_not_recorded_not_vacuously_true(run):
    r = run("ibu_hamil", complete(kunjungan_anc=[visit(56, penolong="lainnya")]), PID)
    node = r.node("t2")
    assert node.status == Status.NOT_MET
    assert node.missing  # "tidak tercatat", not a silent pass


def test_ttd_89_vs_90_tablets(run):
    r90 = run("ibu_hamil", complete(), PID)
    assert r90.status("t7") == Status.MET
    fact = r90.node("t7").facts[0]
    assert (fact.value, fact.other) == (90, 90)
    r89 = run(
        "ibu_hamil",
        complete(
            kunjungan_anc=[visit(56), visit(140), visit(210, tablet_ttd="29"), visit(252, tablet_ttd="0")]
        ),
        PID,
    )
    assert r89.status("t7") == Status.NOT_MET
    assert r89.node("t7").facts[0].value == 89


def test_ttd_not_recorded_at_all_is_missing(run):
    visits = [visit(n, tablet_ttd="") for n in (56, 140, 210, 252)]
    r = run("ibu_hamil", complete(kunjungan_anc=visits), PID)
    node = r.node("t7")
    assert node.status == Status.NOT_MET and node.missing
    assert node.missing[0].what == "tablet_ttd"


def test_tt_not_needed_at_t5_not_applicable(run):
    visits = [visit(56, status_tt="T5"), visit(140), visit(210), visit(252, tablet_ttd="0")]
    r = run("ibu_hamil", complete(kunjungan_anc=visits, imunisasi=[]), PID)
    assert r.status("t6_tt") == Status.NOT_APPLICABLE
    assert r.v.counted


def test_tt_needed_but_not_given(run):
    r = run("ibu_hamil", complete(imunisasi=[]), PID)
    assert r.status("t6_tt") == Status.NOT_MET
    assert not r.node("t6_tt").missing


def test_tt_status_never_screened_makes_need_unknown(run):
    visits = [visit(56, status_tt=""), visit(140), visit(210), visit(252, tablet_ttd="0")]
    r = run("ibu_hamil", complete(kunjungan_anc=visits), PID)
    assert r.status("t6_tt") == Status.NOT_MET
    assert r.node("t6_tt").missing


def test_lab_tests_each_required(run):
    for test, cid in (("tes_kehamilan", "t8_hamil"), ("hb", "t8_hb"), ("golongan_darah", "t8_goldar")):
        labs = [lab(t, 56) for t in ("tes_kehamilan", "hb", "golongan_darah") if t != test]
        r = run("ibu_hamil", complete(pemeriksaan_lab=labs), PID)
        assert r.status(cid) == Status.NOT_MET, cid


def test_lab_without_result_does_not_count(run):
    labs = [lab("tes_kehamilan", 56), lab("hb", 56, hasil=""), lab("golongan_darah", 56)]
    r = run("ibu_hamil", complete(pemeriksaan_lab=labs), PID)
    assert r.status("t8_hb") == Status.NOT_MET


def test_blood_type_done_before_pregnancy_not_applicable(run):
    labs = [lab("tes_kehamilan", 56), lab("hb", 56), lab("golongan_darah", -400)]
    r = run("ibu_hamil", complete(pemeriksaan_lab=labs), PID)
    assert r.status("t8_goldar") == Status.NOT_APPLICABLE


def test_urine_protein_only_when_hypertensive(run):
    visits = [visit(56), visit(140), visit(210, sistolik="150", diastolik="95"), visit(252, tablet_ttd="0")]
    r = run("ibu_hamil", complete(kunjungan_anc=visits), PID)
    assert r.status("t8_protein") == Status.NOT_MET
    labs = [
        lab("tes_kehamilan", 56),
        lab("hb", 56),
        lab("golongan_darah", 56),
        lab("protein_urin", 210, "negatif"),
    ]
    ok = run("ibu_hamil", complete(kunjungan_anc=visits, pemeriksaan_lab=labs), PID)
    assert ok.status("t8_protein") == Status.MET
    # a test before the first high reading does not answer the indication
    early = [*labs[:3], lab("protein_urin", 140, "negatif")]
    r = run("ibu_hamil", complete(kunjungan_anc=visits, pemeriksaan_lab=early), PID)
    assert r.status("t8_protein") == Status.NOT_MET


def test_case_management(run):
    unmanaged = [visit(56), visit(140, komplikasi="ya"), visit(210), visit(252, tablet_ttd="0")]
    r = run("ibu_hamil", complete(kunjungan_anc=unmanaged), PID)
    assert r.status("t9") == Status.NOT_MET
    managed = [
        visit(56),
        visit(140, komplikasi="ya", tatalaksana="dirujuk"),
        visit(210),
        visit(252, tablet_ttd="0"),
    ]
    assert run("ibu_hamil", complete(kunjungan_anc=managed), PID).status("t9") == Status.MET
    kek = [visit(56, lila="22"), visit(140), visit(210), visit(252, tablet_ttd="0")]
    assert run("ibu_hamil", complete(kunjungan_anc=kek), PID).status("t9") == Status.NOT_MET


# ---- period and population -----------------------------------------------------------------


def test_pregnancy_counts_in_the_year_it_ends(run):
    def ending(d):
        tables = complete()
        tables["kehamilan"][0]["tanggal_persalinan"] = d
        return tables

    assert run("ibu_hamil", ending(dt.date(2018, 12, 31)), PID).v.in_period
    assert not run("ibu_hamil", ending(dt.date(2019, 1, 1)), PID).v.in_period
    assert run("ibu_hamil", ending(dt.date(2019, 1, 1)), PID, period="2019").v.in_period


def test_without_delivery_date_the_42nd_week_decides_the_year(run):
    """Permenkes 4/2019 Catatan b): a pregnancy that may still be going on at the end of the
    year is counted the next year; HPHT + 294 days (42 weeks) is when it has surely ended."""
    tables = complete()
    tables["kehamilan"][0]["tanggal_persalinan"] = ""
    r = run("ibu_hamil", tables, PID)
    assert r.v.period_date == HPHT + dt.timedelta(days=294)


def test_records_link_across_facilities(run):
    visits = [
        visit(56),
        visit(140),
        visit(210, fasilitas="BPM Sari"),
        visit(252, fasilitas="BPM Sari", tablet_ttd="0"),
    ]
    r = run("ibu_hamil", complete(kunjungan_anc=visits), PID)
    assert r.v.counted
    assert r.v.facility == "PKM A"  # attributed to the domicile, not the last facility


def test_explanation_carries_records_and_citation(run):
    r = run("ibu_hamil", complete(), PID)
    k3 = r.node("k3")
    assert len(k3.evidence) == 2
    assert all(ref.file.endswith("kunjungan_anc.csv") for ref in k3.evidence)
    assert k3.citations[0].source == "juknis" and k3.citations[0].line_from == 240
