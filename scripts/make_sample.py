"""Write the bundled synthetic sample register to reports_in/sample/ (deterministic).

Every person here is invented. Each case is built from a complete, correct service history and
then changed in exactly one way, named in `CASES`, so that every criterion of both standards
fails for at least one subject and the reason is known. Run: python scripts/make_sample.py
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "reports_in" / "sample"
D = dt.date
PKM = ["PKM Cibitung", "PKM Setu", "PKM Tambun"]


def nik(seq: int, birth: dt.date, female: bool) -> str:
    """A 16-digit NIK in the real layout (region 3216 = Kab. Bekasi), birth date encoded."""
    day = birth.day + (40 if female else 0)
    return f"321601{day:02d}{birth.month:02d}{birth.year % 100:02d}{seq:04d}"


persons: list[dict] = []
pregnancies: list[dict] = []
visits: list[dict] = []
labs: list[dict] = []
immunisations: list[dict] = []
screenings: list[dict] = []


def person(seq: int, name: str, birth: dt.date, female: bool, wilayah: str) -> str:
    n = nik(seq, birth, female)
    persons.append(
        {
            "nik": n,
            "nama": name,
            "jenis_kelamin": "P" if female else "L",
            "tanggal_lahir": birth.isoformat(),
            "wilayah": wilayah,
        }
    )
    return n


# ---- ibu hamil -------------------------------------------------------------------------------

IBU_CASES = [
    # (id suffix, defect, description)
    ("01", None, "lengkap"),
    ("02", "status_t5", "lengkap; status TT T5 sehingga TT tidak perlu"),
    ("03", "goldar_before", "lengkap; golongan darah sudah diperiksa sebelum hamil"),
    ("04", "hypertension_ok", "tekanan darah tinggi, protein urin diperiksa"),
    ("05", "complication_ok", "komplikasi ditangani"),
    ("06", "no_delivery_date", "lengkap; tanggal persalinan belum tercatat (HPL dipakai)"),
    ("07", "mixed_facilities", "K1-K2 di Puskesmas, K3-K4 di bidan praktik swasta"),
    ("08", "delivered_dec31", "lengkap; bersalin 31-12-2018 (hari terakhir periode)"),
    ("09", "no_tm1", "tidak ada kunjungan trimester 1"),
    ("10", "k1_day91", "kunjungan pertama hari ke-91 (minggu 13 = trimester 2)"),
    ("11", "no_tm2", "tidak ada kunjungan trimester 2"),
    ("12", "one_tm3", "hanya 1 kunjungan trimester 3"),
    ("13", "tm3_same_day", "2 kunjungan trimester 3 pada hari yang sama"),
    ("14", "tm1_perawat", "kunjungan trimester 1 oleh perawat"),
    ("15", "tm2_no_str", "kunjungan trimester 2 tanpa STR"),
    ("16", "no_weight", "berat badan tidak ditimbang pada satu kunjungan"),
    ("17", "no_height", "tinggi badan tidak pernah diukur"),
    ("18", "no_bp", "diastolik tidak tercatat pada satu kunjungan"),
    ("19", "no_lila", "LILA tidak pernah diukur"),
    ("20", "no_tfu", "TFU tidak diukur pada kunjungan trimester 3"),
    ("21", "no_djj", "DJJ tidak tercatat pada kunjungan trimester 3"),
    ("22", "no_tt_status", "status TT tidak pernah diskrining"),
    ("23", "tt_not_given", "status T2, imunisasi Td tidak diberikan"),
    ("24", "ttd_89", "tablet tambah darah 89"),
    ("25", "ttd_missing", "jumlah tablet tambah darah tidak tercatat"),
    ("26", "no_pregnancy_test", "tanpa tes kehamilan"),
    ("27", "no_hb", "tanpa pemeriksaan Hb"),
    ("28", "no_goldar", "tanpa golongan darah"),
    ("29", "hypertension_no_protein", "tekanan darah 150/95, protein urin tidak diperiksa"),
    ("30", "complication_unmanaged", "komplikasi tanpa tatalaksana"),
    ("31", "kek_unmanaged", "LILA 22 cm (KEK) tanpa tatalaksana"),
    ("32", "no_counselling", "konseling 'tidak' pada satu kunjungan"),
    ("33", "ends_2019", "bersalin 2019: di luar periode 2018"),
    ("34", "ends_2017", "bersalin 2017: di luar periode 2018"),
]


def add_pregnancy(i: int, suffix: str, defect: str | None) -> None:
    wilayah = PKM[i % 3]
    birth = D(1990 + i % 8, 1 + i % 12, 1 + (i * 3) % 27)
    mother = person(100 + i, f"Ibu Contoh {suffix}", birth, True, wilayah)
    hpht = D(2017, 11, 20) + dt.timedelta(days=3 * i)
    if defect == "ends_2019":
        hpht = D(2018, 8, 1)
    if defect == "ends_2017":
        hpht = D(2017, 2, 1)
    delivery = hpht + dt.timedelta(days=275)
    if defect == "delivered_dec31":
        delivery = D(2018, 12, 31)
        hpht = delivery - dt.timedelta(days=275)
    pid = f"KH-2018-{suffix}"
    pregnancies.append(
        {
            "id_kehamilan": pid,
            "nik": mother,
            "hpht": hpht.isoformat(),
            "tanggal_persalinan": "" if defect == "no_delivery_date" else delivery.isoformat(),
            "fasilitas": wilayah,
        }
    )
    # the schedule: weeks 8 (TM1), 20 (TM2), 30 and 36 (TM3)
    days = [56, 140, 210, 252]
    if defect == "no_tm1":
        days = [140, 170, 210, 252]
    if defect == "k1_day91":
        days = [91, 140, 210, 252]
    if defect == "no_tm2":
        days = [56, 80, 210, 252]
    if defect == "one_tm3":
        days = [56, 140, 160, 252]
    if defect == "tm3_same_day":
        days = [56, 140, 210, 210]
    ttd = [30, 30, 30, 0]
    if defect == "ttd_89":
        ttd = [30, 30, 29, 0]
    status_tt = "T5" if defect == "status_t5" else "T2"
    for k, day in enumerate(days):
        date = hpht + dt.timedelta(days=day)
        trimester3 = day >= 175
        v = {
            "id_kehamilan": pid,
            "tanggal": date.isoformat(),
            "fasilitas": "BPM Bidan Sari" if defect == "mixed_facilities" and k >= 2 else wilayah,
            "penolong": "dokter" if k == 2 else "bidan",
            "str_penolong": f"STR-{3216000 + i * 10 + k}",
            "berat_badan": f"{55 + k * 2},5",
            "tinggi_badan": "156" if k == 0 else "",
            "sistolik": "110",
            "diastolik": "70",
            "lila": "25" if k == 0 else "",
            "tfu": "" if day <= 90 else str(int(day / 7) - 2),
            "presentasi": "kepala" if trimester3 else "",
            "djj": "140" if day > 90 else "",
            "status_tt": status_tt if k == 0 else "",
            "tablet_ttd": str(ttd[k]),
            "konseling": "ya",
            "komplikasi": "tidak",
            "tatalaksana": "",
        }
        if defect == "tm1_perawat" and k == 0:
            v["penolong"] = "perawat"
        if defect == "tm2_no_str" and k == 1:
            v["str_penolong"] = ""
        if defect == "no_weight" and k == 1:
            v["berat_badan"] = ""
        if defect == "no_height":
            v["tinggi_badan"] = ""
        if defect == "no_bp" and k == 3:
            v["diastolik"] = ""
        if defect == "no_lila":
            v["lila"] = ""
        if defect == "no_tfu" and k == 3:
            v["tfu"] = ""
        if defect == "no_djj" and k == 2:
            v["djj"] = ""
        if defect == "no_tt_status":
            v["status_tt"] = ""
        if defect == "ttd_missing":
            v["tablet_ttd"] = ""
        if defect in ("hypertension_ok", "hypertension_no_protein") and k == 2:
            v["sistolik"], v["diastolik"] = "150", "95"
        if defect in ("complication_ok", "complication_unmanaged") and k == 1:
            v["komplikasi"] = "ya"
            v["tatalaksana"] = "ditangani" if defect == "complication_ok" else ""
        if defect == "kek_unmanaged" and k == 0:
            v["lila"] = "22"
        if defect == "no_counselling" and k == 3:
            v["konseling"] = "tidak"
        visits.append(v)
    k1 = hpht + dt.timedelta(days=days[0])
    fac = wilayah
    if defect != "no_pregnancy_test":
        labs.append(
            {
                "nik": mother,
                "tanggal": k1.isoformat(),
                "fasilitas": fac,
                "pemeriksaan": "tes_kehamilan",
                "hasil": "positif",
                "nilai": "",
            }
        )
    if defect != "no_hb":
        labs.append(
            {
                "nik": mother,
                "tanggal": k1.isoformat(),
                "fasilitas": fac,
                "pemeriksaan": "hb",
                "hasil": "",
                "nilai": "11,8",
            }
        )
    if defect == "goldar_before":
        labs.append(
            {
                "nik": mother,
                "tanggal": "2015-06-02",
                "fasilitas": fac,
                "pemeriksaan": "golongan_darah",
                "hasil": "O",
                "nilai": "",
            }
        )
    elif defect != "no_goldar":
        labs.append(
            {
                "nik": mother,
                "tanggal": k1.isoformat(),
                "fasilitas": fac,
                "pemeriksaan": "golongan_darah",
                "hasil": "B",
                "nilai": "",
            }
        )
    if defect == "hypertension_ok":
        third = hpht + dt.timedelta(days=days[2])
        labs.append(
            {
                "nik": mother,
                "tanggal": third.isoformat(),
                "fasilitas": fac,
                "pemeriksaan": "protein_urin",
                "hasil": "negatif",
                "nilai": "",
            }
        )
    if status_tt != "T5" and defect != "tt_not_given":
        immunisations.append(
            {"nik": mother, "tanggal": k1.isoformat(), "fasilitas": fac, "antigen": "Td", "dosis": 3}
        )


# ---- usia produktif --------------------------------------------------------------------------

SITES = ["PKM Cibitung", "Posbindu Melati", "RSUD Kabupaten Bekasi"]

PROD_CASES = [
    ("01", None, "lengkap"),
    ("02", None, "lengkap"),
    ("03", None, "lengkap"),
    ("04", "split_visits", "komponen dipenuhi pada dua kunjungan"),
    ("05", "woman_complete", "perempuan 45 tahun, payudara klinis dan IVA"),
    ("06", "age_15_on_visit", "genap 15 tahun pada hari skrining"),
    ("07", "age_59", "59 tahun"),
    ("08", "first_day", "skrining 01-01-2018 (hari pertama periode)"),
    ("09", "last_day", "skrining 31-12-2018 (hari terakhir periode)"),
    ("10", "unauthorised", "hanya diskrining petugas lainnya"),
    ("11", "no_waist", "lingkar perut tidak diukur"),
    ("12", "no_bp", "tekanan darah tidak diukur"),
    ("13", "no_glucose", "tanpa tes gula darah"),
    ("14", "no_srq", "tanpa skrining mental (SRQ-20)"),
    ("15", "no_visus", "tanpa pemeriksaan penglihatan"),
    ("16", "no_hearing", "tanpa pemeriksaan pendengaran"),
    ("17", "woman_no_sadanis", "perempuan 35 tahun tanpa pemeriksaan payudara klinis"),
    ("18", "woman_no_iva", "perempuan 40 tahun tanpa IVA"),
    ("19", "woman_29", "perempuan 29 tahun: deteksi kanker tidak berlaku"),
    ("20", "woman_turns_30", "perempuan 29 pada kunjungan pertama, 30 pada kunjungan kedua; tanpa IVA"),
    ("21", "age_14", "14 tahun: di luar populasi"),
    ("22", "age_60", "60 tahun: di luar populasi"),
    ("23", "only_2017", "hanya skrining 31-12-2017: di luar periode"),
]


def add_screening(i: int, suffix: str, defect: str | None) -> None:
    site = SITES[i % 3]
    female = defect is not None and defect.startswith("woman")
    day = D(2018, 3, 1) + dt.timedelta(days=7 * i)
    birth = D(1980 + i % 10, 1 + i % 12, 2 + i % 25)
    if female:
        age = {
            "woman_complete": 45,
            "woman_no_sadanis": 35,
            "woman_no_iva": 40,
            "woman_29": 29,
            "woman_turns_30": 29,
        }[defect]
        birth = D(day.year - age, 1 + i % 12, 2 + i % 25)
        if defect == "woman_29":
            birth = D(day.year - 29, day.month, day.day) - dt.timedelta(days=30)
        if defect == "woman_turns_30":
            birth = D(day.year - 30, day.month, day.day) + dt.timedelta(days=10)
    if defect == "first_day":
        day = D(2018, 1, 1)
    if defect == "last_day":
        day = D(2018, 12, 31)
    if defect == "only_2017":
        day = D(2017, 12, 31)
    if defect == "age_15_on_visit":
        birth = D(2003, day.month, day.day)
    if defect == "age_59":
        birth = D(1958, 6, 1)
    if defect == "age_14":
        birth = D(2004, 1, 1)
    if defect == "age_60":
        birth = D(1957, 1, 1)
    who = person(500 + i, f"Warga Contoh {suffix}", birth, female, "PKM Cibitung")
    s = {
        "nik": who,
        "tanggal": day.isoformat(),
        "fasilitas": site,
        "petugas": "kader_posbindu" if site.startswith("Posbindu") else "perawat",
        "tinggi_badan": "165",
        "berat_badan": "68",
        "lingkar_perut": "84",
        "sistolik": "124",
        "diastolik": "82",
        "gula_darah": "112",
        "skor_srq20": "3",
        "visus": "6/6",
        "pendengaran": "normal",
        "sadanis": "normal" if female else "",
        "iva": "negatif" if female else "",
    }
    blank = {
        "no_waist": ["lingkar_perut"],
        "no_bp": ["sistolik", "diastolik"],
        "no_glucose": ["gula_darah"],
        "no_srq": ["skor_srq20"],
        "no_visus": ["visus"],
        "no_hearing": ["pendengaran"],
        "woman_no_sadanis": ["sadanis"],
        "woman_no_iva": ["iva"],
        "woman_turns_30": ["iva"],
    }.get(defect or "", [])
    for col in blank:
        s[col] = ""
    if defect == "unauthorised":
        s["petugas"] = "lainnya"
    if defect == "split_visits":
        first = dict(s, gula_darah="", skor_srq20="", visus="", pendengaran="")
        second = dict(
            s,
            tanggal=(day + dt.timedelta(days=60)).isoformat(),
            tinggi_badan="",
            berat_badan="",
            lingkar_perut="",
            sistolik="",
            diastolik="",
        )
        screenings.extend([first, second])
        return
    screenings.append(s)
    if defect == "woman_turns_30":
        later = dict(s, tanggal=(day + dt.timedelta(days=40)).isoformat(), sadanis="normal")
        screenings.append(later)


# The other ten services: small quotas through the worked examples' generator (each its own
# NIK region, so nobody collides with the people above), with a complete history for most and
# one named defect (the generator's variant) for a few, so every table has both.
OTHER_SERVICES = [
    # (standard, region, [(facility, count, variant)], sasaran rows (code, facility, number))
    ("ibu_bersalin", "321602", [("PKM Cibitung", 3, "lengkap"), ("PKM Cibitung", 1, "dukun_di_rumah"),
                                ("PKM Setu", 3, "lengkap")],
     [("ibu_bersalin", "PKM Cibitung", 5), ("ibu_bersalin", "PKM Setu", 4)]),
    ("bayi_baru_lahir", "321603", [("PKM Cibitung", 3, "lengkap"), ("PKM Setu", 2, "lengkap"),
                                   ("PKM Setu", 1, "tanpa_kunjungan")],
     [("bayi_baru_lahir", "PKM Cibitung", 4), ("bayi_baru_lahir", "PKM Setu", 3)]),
    ("balita", "321604", [("PKM Cibitung", 3, "lengkap"), ("PKM Tambun", 2, "lengkap"),
                          ("PKM Tambun", 1, "ditimbang_5_kali")],
     [("balita", "PKM Cibitung", 4), ("balita", "PKM Tambun", 3)]),
    ("pendidikan_dasar", "321605", [("PKM Cibitung", 3, "lengkap"), ("PKM Setu", 2, "lengkap"),
                                    ("PKM Setu", 1, "tidak_dijaring")], []),
    ("usia_lanjut", "321607", [("PKM Cibitung", 3, "lengkap"), ("PKM Cibitung", 1, "tanpa_tekanan_darah"),
                               ("Posbindu Melati", 2, "lengkap"), ("PKM Setu", 1, "tanpa_mental")],
     [("usia_lanjut", "*", 9)]),
    ("hipertensi", "321608", [("PKM Cibitung", 3, "lengkap"), ("PKM Tambun", 2, "lengkap")],
     [("prevalensi_hipertensi", "*", 25.61), ("penduduk_15_plus", "*", 24)]),
    ("diabetes_melitus", "321609", [("PKM Setu", 3, "lengkap"), ("PKM Setu", 1, "menolak"),
                                    ("PKM Setu", 1, "kasus_lama")],
     [("prevalensi_dm", "*", 6.9), ("penduduk", "*", 60)]),
    ("odgj_berat", "321610", [("PKM Tambun", 3, "lengkap"), ("PKM Tambun", 1, "belum_dikunjungi")], []),
    ("tb", "321611", [("PKM Cibitung", 3, "lengkap")], []),
    ("hiv_risiko", "321612", [("PKM Setu", 3, "lengkap"), ("PKM Setu", 1, "tidak_dites")], []),
]  # fmt: skip


def other_services(tables: dict[str, list[dict]]) -> list[tuple[str, str, str]]:
    """Add the ten other services' rows to `tables`; return (standard, facility, variant) cases."""
    from spm_rules.examples.juknis import generate

    cases = []
    for standard, region, quota, _sasaran in OTHER_SERVICES:
        with tempfile.TemporaryDirectory() as tmp:
            generate(Path(tmp), standard, quota, region)
            for path in sorted(Path(tmp).glob("*.csv")):
                with path.open(encoding="utf-8", newline="") as fh:
                    tables.setdefault(path.stem, []).extend(csv.DictReader(fh))
        cases += [(standard, facility, f"{count} × {variant}") for facility, count, variant in quota]
    return cases


def write(name: str, rows: list[dict], delimiter: str = ",") -> None:
    path = OUT / f"{name}.csv"
    columns = list(dict.fromkeys(c for row in rows for c in row))
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, delimiter=delimiter, restval="")
        w.writeheader()
        w.writerows(rows)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for i, (suffix, defect, _desc) in enumerate(IBU_CASES):
        add_pregnancy(i, suffix, defect)
    for i, (suffix, defect, _desc) in enumerate(PROD_CASES):
        add_screening(i, suffix, defect)
    sasaran = [
        {"indikator": "ibu_hamil", "tahun": 2018, "fasilitas": "PKM Cibitung", "jumlah": 12},
        {"indikator": "ibu_hamil", "tahun": 2018, "fasilitas": "PKM Setu", "jumlah": 12},
        {"indikator": "ibu_hamil", "tahun": 2018, "fasilitas": "PKM Tambun", "jumlah": 11},
        {"indikator": "usia_produktif", "tahun": 2018, "fasilitas": "*", "jumlah": 40},
    ]
    sasaran += [
        {"indikator": code, "tahun": 2018, "fasilitas": facility, "jumlah": number}
        for _std, _region, _quota, rows in OTHER_SERVICES
        for code, facility, number in rows
    ]
    tables: dict[str, list[dict]] = {
        "penduduk": persons,
        "kehamilan": pregnancies,
        "kunjungan_anc": visits,
        "pemeriksaan_lab": labs,
        "imunisasi": immunisations,
        "skrining_ptm": screenings,
        "sasaran": sasaran,
    }
    other_cases = other_services(tables)
    for name, rows in tables.items():
        # Indonesian Excel writes semicolon-separated CSV: keep one file that way
        write(name, rows, delimiter=";" if name == "kunjungan_anc" else ",")
    cases = [("ibu_hamil", f"KH-2018-{s}", d) for s, _x, d in IBU_CASES]
    cases += [
        ("usia_produktif", p["nik"], d)
        for p, (_s, _x, d) in zip(
            [p for p in persons if p.get("nama", "").startswith("Warga")], PROD_CASES, strict=True
        )
    ]
    lines = [
        "# Kasus contoh / sample cases",
        "",
        "Synthetic data written by `scripts/make_sample.py`. One row per subject:",
        "what was changed from a complete service history.",
        "",
        "| standar | subjek | keterangan |",
        "|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in cases]
    lines += [
        "",
        "The other ten services come from the worked examples' generator (`spm_rules.examples.juknis`),",
        "a few people per facility; each row: how many people, and the variant the generator wrote",
        "(`lengkap` = a complete service history; any other name = that one defect).",
        "",
        "| standar | fasilitas | orang × varian |",
        "|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in other_cases]
    (OUT / "KASUS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
