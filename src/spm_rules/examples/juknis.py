"""The regulation's twelve worked examples (Contoh Penghitungan, Kabupaten "A" to "L") as
patient-level registers.

Each example folder in `reports_in/contoh-juknis/` commits a manifest (`contoh.yaml`) and the
sasaran table; the registers are written by this deterministic generator on first use, into a
cache folder, instead of committing megabytes (example H alone is 345.000 people). The generator
decides who received which services, as the example describes; whether each person is "sesuai
standar" is decided by the rules, from the records, like for any other data.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..messages import BilingualError
from ..resources import cache_root

GENERATOR_VERSION = "5"  # bump when the generated rows change
MANIFEST = "contoh.yaml"
D = dt.date


class ExampleError(BilingualError):
    pass


# ---- writing --------------------------------------------------------------------------------


class _Writer:
    """Streams rows to one CSV file per record kind, with a fixed header per kind."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.files: dict[str, tuple] = {}

    def row(self, kind: str, values: dict) -> None:
        if kind not in self.files:
            fh = (self.folder / f"{kind}.csv").open("w", newline="", encoding="utf-8")
            writer = csv.DictWriter(fh, fieldnames=list(values))
            writer.writeheader()
            self.files[kind] = (fh, writer)
        self.files[kind][1].writerow({k: _text(v) for k, v in values.items()})

    def close(self) -> None:
        for fh, _w in self.files.values():
            fh.close()


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


class _People:
    """Synthetic NIKs in the real layout (region 3216, birth date, women's day + 40)."""

    def __init__(self, region: str):
        self.region = region
        self.seq: dict[tuple, int] = {}

    def nik(self, birth: dt.date, female: bool) -> str:
        key = (birth, female)
        self.seq[key] = self.seq.get(key, 0) + 1
        day = birth.day + (40 if female else 0)
        return f"{self.region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{self.seq[key]:04d}"


def _spread(i: int, days: int) -> int:
    """A deterministic day offset in [0, days) for person i."""
    return (i * 37) % days


# ---- one generator per service ---------------------------------------------------------------

Quota = list[tuple[str, int, str]]  # (facility, count, variant)


@dataclass(frozen=True)
class _Person:
    n: int  # 1-based position in the example
    facility: str
    variant: str
    nik: str
    born: dt.date


def _people(
    w: _Writer,
    p: _People,
    quota: Quota,
    born: Callable[[int], dt.date],
    female: Callable[[int], bool] = lambda n: n % 2 == 0,
) -> Iterator[_Person]:
    """Every person of the example's quota, in order, with their `penduduk` row written."""
    n = 0
    for facility, count, variant in quota:
        for _ in range(count):
            n += 1
            b, f = born(n), female(n)
            nik = p.nik(b, f)
            w.row(
                "penduduk",
                {"nik": nik, "jenis_kelamin": "P" if f else "L", "tanggal_lahir": b, "wilayah": facility},
            )
            yield _Person(n, facility, variant, nik, b)


def _born(first_year: int, years: int) -> Callable[[int], dt.date]:
    return lambda n: D(first_year + n % years, 1 + n % 12, 1 + n % 28)


def _ibu_hamil(w: _Writer, p: _People, quota: Quota) -> None:
    for x in _people(w, p, quota, _born(1988, 10), female=lambda n: True):
        hpht = D(2017, 12, 1) + dt.timedelta(days=_spread(x.n, 60))
        pid = f"KH-{x.n:06d}"
        w.row(
            "kehamilan",
            {
                "id_kehamilan": pid,
                "nik": x.nik,
                "hpht": hpht,
                "tanggal_persalinan": hpht + dt.timedelta(days=275),
                "fasilitas": x.facility,
            },
        )
        for k, day in enumerate((56, 140, 210, 252)):
            w.row(
                "kunjungan_anc",
                {
                    "id_kehamilan": pid,
                    "tanggal": hpht + dt.timedelta(days=day),
                    "fasilitas": x.facility,
                    "penolong": "bidan",
                    "str_penolong": f"STR-{k}",
                    "berat_badan": 55 + k * 2,
                    "tinggi_badan": 156 if k == 0 else None,
                    "sistolik": 110,
                    "diastolik": 70,
                    "lila": 25 if k == 0 else None,
                    "tfu": 18 + 6 * k if day > 90 else None,
                    "presentasi": "kepala" if day >= 175 else None,
                    "djj": 140 if day > 90 else None,
                    "status_tt": "T5" if k == 0 else None,
                    "tablet_ttd": 30 if k < 3 else 0,
                    "konseling": "ya",
                },
            )
        k1 = hpht + dt.timedelta(days=56)
        for test, hasil in (("tes_kehamilan", "positif"), ("hb", "11.5"), ("golongan_darah", "O")):
            w.row("pemeriksaan_lab", {"nik": x.nik, "tanggal": k1, "pemeriksaan": test, "hasil": hasil})


def _ibu_bersalin(w: _Writer, p: _People, quota: Quota) -> None:
    for x in _people(w, p, quota, _born(1990, 8), female=lambda n: True):
        home = x.variant == "dukun_di_rumah"
        w.row(
            "persalinan",
            {
                "nik": x.nik,
                "id_kehamilan": f"KH-{x.n:06d}",
                "tanggal": D(2018, 1, 1) + dt.timedelta(days=_spread(x.n, 360)),
                "fasilitas": None if home else x.facility,
                "jenis_fasilitas": "rumah" if home else "puskesmas",
                "penolong": "dukun" if home else "bidan",
                "str_penolong": None if home else "STR-1",
                "cara": "normal",
            },
        )


def _bayi_baru_lahir(w: _Writer, p: _People, quota: Quota) -> None:
    born = lambda n: D(2018, 1, 1) + dt.timedelta(days=_spread(n, 330))  # noqa: E731
    for x in _people(w, p, quota, born):
        if x.variant == "tanpa_kunjungan":
            continue  # born at home, never brought to a facility
        w.row(
            "kunjungan_neonatal",
            {
                "nik": x.nik,
                "tanggal": x.born + dt.timedelta(days=1),
                "fasilitas": x.facility,
                "penolong": "bidan",
                "str_penolong": "STR-1",
                "pemeriksaan_mtbm": "ya",
                "konseling": "ya",
            },
        )
        for obat, satuan in (("vitamin_k1", "ampul"), ("salep_mata", "dosis")):
            w.row(
                "pemberian_obat",
                {"nik": x.nik, "tanggal": x.born, "obat": obat, "jumlah": 1, "satuan": satuan},
            )
        w.row("imunisasi", {"nik": x.nik, "tanggal": x.born, "antigen": "HB0", "dosis": 0})


_IDL = [
    ("HB0", 0, 0),
    ("BCG", 1, 30),
    ("OPV", 1, 30),
    ("OPV", 2, 60),
    ("OPV", 3, 90),
    ("OPV", 4, 120),
    ("DPT-HB-Hib", 1, 60),
    ("DPT-HB-Hib", 2, 90),
    ("DPT-HB-Hib", 3, 120),
    ("IPV", 1, 120),
    ("MR", 1, 270),
]


def _balita(w: _Writer, p: _People, quota: Quota) -> None:
    born = lambda n: D(2015, 1, 1) + dt.timedelta(days=_spread(n, 700))  # noqa: E731
    for x in _people(w, p, quota, born):
        weighings = 5 if x.variant == "ditimbang_5_kali" else 8
        for m in range(weighings):
            w.row(
                "pengukuran_balita",
                {
                    "nik": x.nik,
                    "tanggal": D(2018, 1 + m, 15),
                    "fasilitas": f"Posyandu {x.facility}",
                    "berat_badan": 12,
                    "tinggi_badan": 88 if m in (0, 6) else None,
                },
            )
        for month in (2, 8):
            w.row(
                "pemberian_obat",
                {
                    "nik": x.nik,
                    "tanggal": D(2018, month, 15),
                    "obat": "vitamin_a_merah",
                    "jumlah": 1,
                    "satuan": "kapsul",
                },
            )
        for antigen, dose, age in _IDL:
            w.row(
                "imunisasi",
                {"nik": x.nik, "tanggal": x.born + dt.timedelta(days=age), "antigen": antigen, "dosis": dose},
            )


def _pendidikan_dasar(w: _Writer, p: _People, quota: Quota) -> None:
    born = lambda n: D(2012 if n % 2 else 2006, 1 + n % 12, 1 + n % 28)  # noqa: E731
    for x in _people(w, p, quota, born):
        grade = 1 if x.n % 2 else 7
        school = f"Sekolah {x.facility} {1 + x.n % 5}"
        w.row(
            "pendaftaran_sekolah",
            {
                "nik": x.nik,
                "sekolah": school,
                "kelas": grade,
                "tahun_ajaran": "2018/2019",
                "wilayah": x.facility,
            },
        )
        if x.variant == "tidak_dijaring":
            continue
        w.row(
            "skrining_sekolah",
            {
                "nik": x.nik,
                "tanggal": D(2018, 8, 1) + dt.timedelta(days=_spread(x.n, 90)),
                "sekolah": school,
                "fasilitas": x.facility,
                "jenis_fasilitas": "puskesmas",
                "petugas": "perawat",
                "tinggi_badan": 120 if grade == 1 else 150,
                "berat_badan": 22 if grade == 1 else 40,
                "konjungtiva": "normal",
                "sistolik": 100,
                "diastolik": 70,
                "nadi": 88,
                "napas": 20,
                "gigi_mulut": "normal",
                "visus_kanan": "6/6",
                "visus_kiri": "6/6",
                "pendengaran": "normal",
            },
        )


def _usia_produktif(w: _Writer, p: _People, quota: Quota) -> None:
    for x in _people(w, p, quota, _born(1960, 40)):
        posbindu = x.facility.startswith("Posbindu")
        day = D(2018, 3, 1) + dt.timedelta(days=_spread(x.n, 270))
        age = day.year - x.born.year - ((day.month, day.day) < (x.born.month, x.born.day))
        woman_30 = x.n % 2 == 0 and 30 <= age <= 59
        w.row(
            "skrining_ptm",
            {
                "nik": x.nik,
                "tanggal": day,
                "fasilitas": x.facility,
                "petugas": "kader_posbindu" if posbindu else "dokter",
                "tinggi_badan": 162,
                "berat_badan": 64,
                "lingkar_perut": 82,
                "sistolik": 120,
                "diastolik": 80,
                "gula_darah": None if x.variant == "tanpa_gula_darah" else 110,
                "skor_srq20": None if x.variant == "tanpa_srq" else 3,
                "visus": "6/6",
                "pendengaran": "normal",
                # IVA and breast exams are done at the Puskesmas, not at the Posbindu
                "sadanis": "normal" if woman_30 and not posbindu else None,
                "iva": "negatif" if woman_30 and not posbindu else None,
            },
        )


def _usia_lanjut(w: _Writer, p: _People, quota: Quota) -> None:
    for x in _people(w, p, quota, _born(1930, 28)):
        v = x.variant
        w.row(
            "skrining_lansia",
            {
                "nik": x.nik,
                "tanggal": D(2018, 2, 1) + dt.timedelta(days=_spread(x.n, 300)),
                "fasilitas": x.facility,
                "petugas": "kader_posbindu" if x.facility.startswith("Posyandu") else "perawat",
                "sistolik": None if v == "tanpa_tekanan_darah" else 135,
                "diastolik": None if v == "tanpa_tekanan_darah" else 85,
                "gula_darah": None if v == "tanpa_gula_darah" else 120,
                "kolesterol": 200,
                "instrumen_kognitif": None if v == "tanpa_mental" else "amt",
                "skor_kognitif": None if v == "tanpa_mental" else 9,
                "skor_gds": None if v == "tanpa_mental" else 2,
            },
        )


def _hipertensi(w: _Writer, p: _People, quota: Quota) -> None:
    for x in _people(w, p, quota, _born(1945, 50)):
        day = D(2018, 1, 2) + dt.timedelta(days=_spread(x.n, 350))
        w.row("diagnosis", {"nik": x.nik, "tanggal": D(2016, 1, 4), "kode_icd10": "I10", "kasus": "baru"})
        w.row(
            "kunjungan_ptm",
            {
                "nik": x.nik,
                "tanggal": day,
                "fasilitas": x.facility,
                "petugas": "dokter",
                "sistolik": 132,
                "diastolik": 84,
                "edukasi": "ya",
                "diet": "ya",
                "aktivitas_fisik": "ya",
            },
        )
        w.row(
            "pemberian_obat",
            {"nik": x.nik, "tanggal": day, "obat": "amlodipin", "jumlah": 30, "satuan": "tablet"},
        )


def _diabetes_melitus(w: _Writer, p: _People, quota: Quota) -> None:
    for x in _people(w, p, quota, _born(1950, 40)):
        old = x.variant == "kasus_lama"
        found = D(2016, 5, 2) if old else D(2018, 3, 1) + dt.timedelta(days=_spread(x.n, 150))
        w.row(
            "diagnosis",
            {"nik": x.nik, "tanggal": found, "kode_icd10": "E11.9", "kasus": "lama" if old else "baru"},
        )
        if x.variant == "menolak":
            continue  # refused care: in the population, with no service recorded
        day = max(found, D(2018, 3, 1)) + dt.timedelta(days=14)
        w.row(
            "kunjungan_ptm",
            {
                "nik": x.nik,
                "tanggal": day,
                "fasilitas": x.facility,
                "petugas": "dokter",
                "gula_darah": 190,
                "edukasi": "ya",
                "diet": "ya",
                "aktivitas_fisik": "ya",
            },
        )
        w.row(
            "pemberian_obat",
            {"nik": x.nik, "tanggal": day, "obat": "metformin", "jumlah": 60, "satuan": "tablet"},
        )
        w.row("pemeriksaan_lab", {"nik": x.nik, "tanggal": day, "pemeriksaan": "hba1c", "nilai": 7.8})


def _odgj_berat(w: _Writer, p: _People, quota: Quota) -> None:
    for x in _people(w, p, quota, _born(1965, 30)):
        w.row("diagnosis", {"nik": x.nik, "tanggal": D(2017, 6, 1), "kode_icd10": "F20.0"})
        if x.variant == "belum_dikunjungi":
            continue
        w.row(
            "kunjungan_jiwa",
            {
                "nik": x.nik,
                "tanggal": D(2018, 1, 8) + dt.timedelta(days=_spread(x.n, 300)),
                "fasilitas": x.facility,
                "petugas": "perawat",
                "tempat": "rumah",
                "edukasi": "ya",
                "kepatuhan_obat": "patuh",
                "pasung": "tidak",
            },
        )


def _tb(w: _Writer, p: _People, quota: Quota) -> None:
    for x in _people(w, p, quota, _born(1960, 40)):
        diagnosed = D(2018, 1, 2) + dt.timedelta(days=_spread(x.n, 120))
        start = diagnosed + dt.timedelta(days=3)
        w.row(
            "kasus_tb",
            {
                "id_kasus": f"TB-{x.n:05d}",
                "nik": x.nik,
                "tanggal_diagnosis": diagnosed,
                "fasilitas": x.facility,
                "dasar_diagnosis": "bakteriologis",
                "tipe": "baru",
                "tanggal_mulai_oat": start,
                "paduan": "kategori_1",
            },
        )
        w.row(
            "pemeriksaan_lab",
            {"nik": x.nik, "tanggal": diagnosed, "pemeriksaan": "tcm", "hasil": "MTB terdeteksi"},
        )
        for day in (56, 150, 180):
            w.row(
                "pemeriksaan_lab",
                {
                    "nik": x.nik,
                    "tanggal": start + dt.timedelta(days=day),
                    "pemeriksaan": "bta",
                    "hasil": "negatif",
                },
            )


def _hiv_risiko(w: _Writer, p: _People, quota: Quota) -> None:
    groups = ["ibu_hamil", "pasien_tb", "pasien_ims", "waria", "pengguna_napza", "wbp"]
    for x in _people(w, p, quota, _born(1975, 25)):
        noted = D(2018, 1, 8) + dt.timedelta(days=_spread(x.n, 200))
        w.row(
            "kelompok_risiko",
            {"nik": x.nik, "tanggal": noted, "fasilitas": x.facility, "kelompok": groups[x.n % len(groups)]},
        )
        if x.variant == "tidak_dites":
            continue
        w.row(
            "pemeriksaan_lab",
            {
                "nik": x.nik,
                "tanggal": noted + dt.timedelta(days=7),
                "pemeriksaan": "hiv",
                "hasil": "non_reaktif",
            },
        )


GENERATORS: dict[str, Callable[[_Writer, _People, Quota], None]] = {
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


# ---- manifests and first use ----------------------------------------------------------------


@dataclass(frozen=True)
class Manifest:
    contoh: str
    standard: str
    period: str
    quota: Quota
    region: str = "321601"
    extra: dict = field(default_factory=dict)
    rules: str = "2016"  # which regulation's generators write the registers (`aturan:` in the manifest)


def generators(rules: str) -> dict[str, Callable[[_Writer, _People, Quota], None]]:
    """The register generators of one regulation's worked examples."""
    if rules == "2019":
        from .contoh2019 import GENERATORS_2019

        return GENERATORS_2019
    return GENERATORS


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        quota = [
            (str(q["fasilitas"]), int(q["jumlah"]), str(q.get("jenis", "lengkap"))) for q in doc["kuota"]
        ]
        rules = str(doc.get("aturan", "2016"))
        if doc["standar"] not in generators(rules):
            raise KeyError(f"standar {doc['standar']!r}")
        return Manifest(
            str(doc["contoh"]),
            str(doc["standar"]),
            str(doc.get("periode", "2018")),
            quota,
            str(doc.get("wilayah_nik", "321601")),
            doc,
            rules,
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as err:
        raise ExampleError(
            f"manifest contoh tidak sah: {err}", f"invalid worked-example manifest: {err}", str(path)
        ) from None


def materialize(folder: Path, manifest: Manifest | None = None) -> Path:
    """The folder of generated registers for an example manifest, or the folder itself.

    Generated registers live in the cache, keyed by the manifest's content and the generator
    version; they are written once and reused. The example's committed tables (sasaran.csv)
    stay where they are and are read from there.
    """
    if not (folder / MANIFEST).is_file():
        return folder
    manifest = manifest or read_manifest(folder)
    text = (folder / MANIFEST).read_text(encoding="utf-8")
    version = GENERATOR_VERSION
    if manifest.rules == "2019":
        from .contoh2019 import GENERATOR_VERSION_2019

        version += f"/2019-{GENERATOR_VERSION_2019}"
    digest = hashlib.sha256((version + text).encode()).hexdigest()[:12]
    target = cache_root() / "contoh-juknis" / f"{manifest.contoh}-{digest}"
    done = target / ".selesai"
    if done.exists():
        return target
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    writer = _Writer(tmp)
    try:
        generators(manifest.rules)[manifest.standard](writer, _People(manifest.region), manifest.quota)
    finally:
        writer.close()
    (tmp / ".selesai").write_text(digest, encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def prepare_example(folder: Path) -> tuple[Path, str] | None:
    """For a worked-example folder: its generated registers and its stated period (the
    manifest read once); None for an ordinary data folder."""
    if not (folder / MANIFEST).is_file():
        return None
    manifest = read_manifest(folder)
    return materialize(folder, manifest), manifest.period


def example_folders(root: Path) -> Iterator[Path]:
    for p in sorted(root.iterdir()):
        if (p / MANIFEST).is_file():
            yield p


def generate(folder: Path, standard: str, quota: Quota, region: str) -> None:
    """Write one service's synthetic registers (the worked examples' generator) into a folder:
    one CSV per record kind. Used by scripts/make_sample.py for the bundled sample."""
    writer = _Writer(folder)
    try:
        GENERATORS[standard](writer, _People(region), quota)
    finally:
        writer.close()
