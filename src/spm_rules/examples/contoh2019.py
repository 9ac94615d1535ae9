"""The worked examples of Permenkes 4/2019 (Contoh Perhitungan, Lampiran A-L) as patient-level
registers, for the 2019 rule set.

Manifests in `reports_in/contoh-2019/<X>/contoh.yaml` carry `aturan: "2019"`; the quota names,
per facility, how many people received which services (`jenis`), as the example describes. The
generator writes raw records only; whether a person is "sesuai standar" is decided by the rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .juknis import _IDL, D, Quota, _born, _People, _people, _spread, _Writer

GENERATOR_VERSION_2019 = "4"  # bump when the generated rows change
DAY = dt.timedelta(days=1)


def _variants(quota: Quota) -> list[str]:
    """The variant of every person of the quota, by position (person n is at n - 1)."""
    return [variant for _facility, count, variant in quota for _ in range(count)]


def _ibu_hamil(w: _Writer, p: _People, quota: Quota) -> None:
    for x in _people(w, p, quota, _born(1988, 10), female=lambda n: True):
        hpht = D(2019, 1, 1) + _spread(x.n, 60) * DAY
        pid = f"KH-{x.n:06d}"
        w.row(
            "kehamilan",
            {"id_kehamilan": pid, "nik": x.nik, "hpht": hpht, "tanggal_persalinan": hpht + 275 * DAY},
        )
        for k, day in enumerate((56, 140, 210, 252)):
            w.row(
                "kunjungan_anc",
                {
                    "id_kehamilan": pid,
                    "tanggal": hpht + day * DAY,
                    "fasilitas": x.facility,
                    "penolong": "perawat" if k == 1 else "bidan",
                    "berat_badan": 55 + k * 2,
                    "sistolik": 110,
                    "diastolik": 70,
                    "lila": 25 if k == 0 else None,
                    "tfu": 18 + 6 * k if day > 90 else None,
                    "presentasi": "kepala" if day >= 175 else None,
                    "djj": 140 if day > 90 else None,
                    "status_tt": "T5" if k == 0 else None,
                    "tablet_ttd": 30 if k < 3 and x.variant != "tanpa_ttd" else 0,
                    "konseling": True,
                },
            )
        tests = [("tes_kehamilan", "positif"), ("hb", "11.5"), ("golongan_darah", "O")]
        if x.variant == "tanpa_hb":
            tests.remove(("hb", "11.5"))
        for test, hasil in tests:
            w.row(
                "pemeriksaan_lab",
                {"nik": x.nik, "tanggal": hpht + 56 * DAY, "pemeriksaan": test, "hasil": hasil},
            )


# variant: (jenis_fasilitas, penolong, penolong_2)
_PERSALINAN = {
    "lengkap": ("puskesmas", "bidan", "bidan"),
    "swasta": ("klinik", "dokter_spog", "bidan"),
    "rumah_nakes": ("rumah", "bidan", "bidan"),
    "poskesdes": ("poskesdes", "bidan", "bidan"),
    "satu_penolong": ("puskesmas", "bidan", None),
}


def _ibu_bersalin(w: _Writer, p: _People, quota: Quota) -> None:
    for x in _people(w, p, quota, _born(1990, 8), female=lambda n: True):
        place, first, second = _PERSALINAN[x.variant]
        w.row(
            "persalinan",
            {
                "nik": x.nik,
                "id_kehamilan": f"KH-{x.n:06d}",
                "tanggal": D(2019, 1, 1) + _spread(x.n, 360) * DAY,
                "fasilitas": x.facility,
                "jenis_fasilitas": place,
                "penolong": first,
                "penolong_2": second,
                "cara": "normal",
            },
        )


def _bayi_baru_lahir(w: _Writer, p: _People, quota: Quota) -> None:
    """Born in 2019 at a time of day; a birth visit within the hour, KN1 the next morning (6-48 h
    after birth whatever the birth time), KN2 on day 4, KN3 on day 15."""
    for x in _births(w, p, quota):
        visits = [(0, x.birth_hour + 1, None), (1, 8, True), (4, 9, True)]
        if x.variant != "tanpa_kn3":
            visits.append((15, 10, True))
        for day, hour, mtbm in visits:
            w.row(
                "kunjungan_neonatal",
                {
                    "nik": x.nik,
                    "tanggal": x.born + day * DAY,
                    "jam": f"{hour:02d}:00",
                    "fasilitas": x.facility,
                    "penolong": "bidan",
                    "pemeriksaan_mtbm": mtbm,
                    "konseling": True if day == 1 else None,
                    "tali_pusat": "dirawat_kering" if day == 0 else None,
                    "imd": True if day == 0 else None,
                },
            )
        given = [("vitamin_k1", "ampul")] + (
            [] if x.variant == "tanpa_salep_mata" else [("salep_mata", "dosis")]
        )
        for obat, satuan in given:
            w.row(
                "pemberian_obat",
                {"nik": x.nik, "tanggal": x.born, "obat": obat, "jumlah": 1, "satuan": satuan},
            )
        w.row("imunisasi", {"nik": x.nik, "tanggal": x.born, "antigen": "HB0", "dosis": 0})


@dataclass(frozen=True)
class _Birth:
    n: int
    facility: str
    variant: str
    nik: str
    born: dt.date
    birth_hour: int


def _births(w: _Writer, p: _People, quota: Quota) -> Iterator[_Birth]:
    """Babies born in 2019 (before 23:00, so that the birth visit is the same day), each with a
    `penduduk` row holding the birth time."""
    n = 0
    for facility, count, variant in quota:
        for _ in range(count):
            n += 1
            born, female, hour = D(2019, 1, 1) + _spread(n, 330) * DAY, n % 2 == 0, n % 23
            nik = p.nik(born, female)
            w.row(
                "penduduk",
                {
                    "nik": nik,
                    "jenis_kelamin": "P" if female else "L",
                    "tanggal_lahir": born,
                    "jam_lahir": f"{hour:02d}:00",
                    "wilayah": facility,
                },
            )
            yield _Birth(n, facility, variant, nik, born, hour)


def _balita(w: _Writer, p: _People, quota: Quota) -> None:
    # born 2015-02-01 .. 2018-11-29: 12-58 months old at the end of 2019
    born = lambda n: D(2015, 2, 1) + _spread(n, 1397) * DAY  # noqa: E731
    end = D(2019, 12, 31)
    for x in _people(w, p, quota, born):
        for m in range(12):
            measured = m == 0 or (m == 6 and x.variant != "diukur_1_kali")
            w.row(
                "pengukuran_balita",
                {
                    "nik": x.nik,
                    "tanggal": D(2019, 1 + m, 15),
                    "fasilitas": f"Posyandu {x.facility}",
                    "berat_badan": 12,
                    "tinggi_badan": 88 if measured else None,
                    "perkembangan": "sesuai" if m in (0, 6) else None,
                },
            )
        for month in (2, 8):
            w.row(
                "pemberian_obat",
                {
                    "nik": x.nik,
                    "tanggal": D(2019, month, 15),
                    "obat": "vitamin_a_merah",
                    "jumlah": 1,
                    "satuan": "kapsul",
                },
            )
        for antigen, dose, age in [*_IDL, ("DPT-HB-Hib", 4, 548), ("MR", 2, 548)]:
            day = x.born + age * DAY
            if day <= end:
                w.row("imunisasi", {"nik": x.nik, "tanggal": day, "antigen": antigen, "dosis": dose})


def _pendidikan_dasar(w: _Writer, p: _People, quota: Quota) -> None:
    # at school: grade 1-9, born 2019 - 6 - grade; outside school: 7-15 years old on 1 July 2019
    def born(n: int) -> dt.date:
        return D(2011 - (n % 8), 1 + n % 12, 1 + n % 28)

    for x in _people(w, p, quota, born):
        outside = x.variant == "luar_sekolah"
        grade = 1 + x.n % 9
        place = f"Pondok Pesantren {x.facility}" if outside else f"Sekolah {x.facility} {1 + x.n % 5}"
        if not outside:
            w.row(
                "pendaftaran_sekolah",
                {
                    "nik": x.nik,
                    "sekolah": place,
                    "kelas": grade,
                    "tahun_ajaran": "2019/2020",
                    "wilayah": x.facility,
                },
            )
        if x.variant == "tidak_dilayani":
            continue
        seen = x.variant != "tanpa_indera"
        w.row(
            "skrining_sekolah",
            {
                "nik": x.nik,
                "tanggal": D(2019, 8, 1) + _spread(x.n, 90) * DAY,
                "sekolah": place,
                "jenis_tempat": "pondok_pesantren" if outside else "sekolah",
                "fasilitas": x.facility,
                "petugas": "perawat",
                "tinggi_badan": 130,
                "berat_badan": 28,
                "sistolik": 100,
                "diastolik": 70,
                "nadi": 88,
                "napas": 20,
                "gigi_mulut": "normal",
                "visus_kanan": "6/6" if seen else None,
                "visus_kiri": "6/6" if seen else None,
                "pendengaran": "normal",
                "umpan_balik": True,
                "penyuluhan": True,
            },
        )


def _usia_produktif(w: _Writer, p: _People, quota: Quota) -> None:
    variants = _variants(quota)

    def born(n: int) -> dt.date:
        if variants[n - 1] == "tanpa_kanker":  # a married woman of 35: SADANIS and IVA apply
            return D(1984, 1 + n % 12, 1 + n % 28)
        return D(1961 + n % 43, 1 + n % 12, 1 + n % 28)

    def female(n: int) -> bool:
        return n % 2 == 0 or variants[n - 1] == "tanpa_kanker"

    for x in _people(w, p, quota, born, female):
        if x.variant == "tidak_dilayani":
            continue
        day = D(2019, 3, 1) + _spread(x.n, 270) * DAY
        age = day.year - x.born.year - ((day.month, day.day) < (x.born.month, x.born.day))
        woman_30_50 = female(x.n) and 30 <= age <= 50
        checked = woman_30_50 and x.variant != "tanpa_kanker"
        w.row(
            "skrining_ptm",
            {
                "nik": x.nik,
                "tanggal": day,
                "fasilitas": x.facility,
                "petugas": "dokter",
                "tinggi_badan": 162,
                "berat_badan": 64,
                "lingkar_perut": None if x.variant == "tanpa_obesitas" else 82,
                "sistolik": 120,
                "diastolik": 80,
                "gula_darah": 110,
                "anamnesa_perilaku": "tidak ada",
                "status_perkawinan": "kawin",
                "edukasi": True,
                "konseling_kb": True,
                "sadanis": "normal" if checked else None,
                "iva": "negatif" if checked else None,
            },
        )


def _usia_lanjut(w: _Writer, p: _People, quota: Quota) -> None:
    for x in _people(w, p, quota, _born(1930, 28)):
        v = x.variant
        if v == "tidak_dilayani":
            continue
        no_mental = v in ("tanpa_mental", "tanpa_kolesterol_mental")
        w.row(
            "skrining_lansia",
            {
                "nik": x.nik,
                "tanggal": D(2019, 2, 1) + _spread(x.n, 300) * DAY,
                "fasilitas": x.facility,
                "petugas": "kader_posbindu" if x.facility.startswith("Posyandu") else "perawat",
                "tinggi_badan": 160,
                "berat_badan": 58,
                "lingkar_perut": 85,
                "sistolik": 135,
                "diastolik": 85,
                "gula_darah": None if v == "tanpa_gula_darah" else 120,
                "kolesterol": None if v in ("tanpa_kolesterol", "tanpa_kolesterol_mental") else 200,
                "skor_gds": None if no_mental else 2,
                "instrumen_kognitif": "amt",
                "skor_kognitif": 9,
                "skor_adl": None if v == "tanpa_adl" else 20,
                "anamnesa_perilaku": "tidak merokok",
                "edukasi": True,
            },
        )


def _hipertensi(w: _Writer, p: _People, quota: Quota) -> None:
    """New cases found by screening in November and December: blood pressure measured every month
    from the month of diagnosis (1-2 visits), education, and drugs when systolic > 140."""
    for x in _people(w, p, quota, _born(1945, 50)):
        found = D(2019, 11, 4) + _spread(x.n, 50) * DAY
        w.row("diagnosis", {"nik": x.nik, "tanggal": found, "kode_icd10": "I10", "kasus": "baru"})
        if x.variant == "tidak_dilayani":
            continue
        month = found
        while month <= D(2019, 12, 31):
            first = month == found
            w.row(
                "kunjungan_ptm",
                {
                    "nik": x.nik,
                    "tanggal": month,
                    "fasilitas": x.facility,
                    "petugas": "dokter" if first else "perawat",
                    "sistolik": 150 if first else 138,
                    "diastolik": 92 if first else 86,
                    "edukasi": True if first and x.variant != "tanpa_edukasi" else None,
                },
            )
            month = D(2019, 12, 2) if month.month == 11 else D(2020, 1, 1)
        w.row(
            "pemberian_obat",
            {"nik": x.nik, "tanggal": found, "obat": "amlodipin", "jumlah": 30, "satuan": "tablet"},
        )


def _diabetes_melitus(w: _Writer, p: _People, quota: Quota) -> None:
    for x in _people(w, p, quota, _born(1950, 40)):
        new = x.variant == "kasus_baru"
        found = D(2019, 1, 7) if new else D(2017, 5, 2)
        w.row(
            "diagnosis",
            {"nik": x.nik, "tanggal": found, "kode_icd10": "E11.9", "kasus": "baru" if new else "lama"},
        )
        if x.variant == "menolak":
            continue  # refused care: in the population, with no service recorded
        for m in range(12):
            day = D(2019, 1 + m, 14)
            w.row(
                "kunjungan_ptm",
                {
                    "nik": x.nik,
                    "tanggal": day,
                    "fasilitas": x.facility,
                    "petugas": "dokter",
                    "gula_darah": 250 if new and m == 0 else 180,
                    "edukasi": True if m == 0 else None,
                    "diet": True,
                },
            )
        w.row(
            "pemberian_obat",
            {"nik": x.nik, "tanggal": D(2019, 1, 14), "obat": "metformin", "jumlah": 60, "satuan": "tablet"},
        )


def _odgj_berat(w: _Writer, p: _People, quota: Quota) -> None:
    for x in _people(w, p, quota, _born(1965, 30)):
        w.row("diagnosis", {"nik": x.nik, "tanggal": D(2017, 6, 1), "kode_icd10": "F20.0"})
        if x.variant == "belum_dilayani":
            continue
        w.row(
            "kunjungan_jiwa",
            {
                "nik": x.nik,
                "tanggal": D(2019, 1, 8) + _spread(x.n, 300) * DAY,
                "fasilitas": x.facility,
                "petugas": "perawat",
                "tempat": "rumah",
                "status_mental": "tenang, kontak baik",
                "wawancara": "halusinasi berkurang",
                "edukasi": True,
            },
        )


def _tb(w: _Writer, p: _People, quota: Quota) -> None:
    for x in _people(w, p, quota, _born(1960, 40)):
        found = D(2019, 1, 2) + _spread(x.n, 330) * DAY
        w.row(
            "terduga_tb",
            {
                "nik": x.nik,
                "tanggal": found,
                "fasilitas": x.facility,
                "petugas": "perawat",
                "asal_penemuan": "skrining_kelompok_risiko",
                "lama_batuk_minggu": 3,
                "gejala_lain": "demam, berat badan turun",
                "edukasi": True,
            },
        )
        if x.variant == "tanpa_penunjang":
            continue
        w.row(
            "pemeriksaan_lab",
            {
                "nik": x.nik,
                "tanggal": found + 2 * DAY,
                "fasilitas": x.facility,
                "pemeriksaan": "bta",
                "hasil": "negatif",
            },
        )


def _hiv_risiko(w: _Writer, p: _People, quota: Quota) -> None:
    variants = _variants(quota)

    def female(n: int) -> bool:
        group = variants[n - 1].partition(":")[0]
        return group in ("ibu_hamil", "penjaja_seks") or (group != "lsl" and n % 2 == 0)

    for x in _people(w, p, quota, _born(1975, 25), female):
        group, _sep, rest = x.variant.partition(":")
        noted = D(2019, 1, 8) + _spread(x.n, 200) * DAY
        w.row(
            "kelompok_risiko",
            {
                "nik": x.nik,
                "tanggal": noted,
                "fasilitas": x.facility,
                "kelompok": group,
                "edukasi": True,
            },
        )
        if rest == "tidak_dites":
            continue
        w.row(
            "pemeriksaan_lab",
            {"nik": x.nik, "tanggal": noted, "pemeriksaan": "hiv", "hasil": "non_reaktif"},
        )


GENERATORS_2019: dict[str, Callable[[_Writer, _People, Quota], None]] = {
    "ibu_hamil": _ibu_hamil,
    "ibu_bersalin": _ibu_bersalin,
    "bayi_baru_lahir": _bayi_baru_lahir,
    "balita": _balita,
    "pendidikan_dasar": _pendidikan_dasar,
    "usia_produktif": _usia_produktif,
    "usia_lanjut": _usia_lanjut,
    "hipertensi": _hipertensi,
    "diabetes_melitus": _diabetes_melitus,
    "odgj_berat": _odgj_berat,
    "tb": _tb,
    "hiv_risiko": _hiv_risiko,
}
