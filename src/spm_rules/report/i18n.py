"""Labels and number formats in Bahasa Indonesia (default) and English."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

LABELS = {
    "id": {
        "facility": "Fasilitas",
        "sasaran": "Sasaran",
        "served": "Sesuai standar",
        "capaian": "Capaian",
        "remarks": "Keterangan",
        "recorded": "Tercatat",
        "total": "Jumlah",
        "target": "target",
        "reached": "tercapai",
        "not_reached": "belum tercapai",
        "no_records": "sasaran tanpa catatan pelayanan",
        "info": "informasi",
        "source": "Sumber penyebut",
        "counted": "dihitung dari catatan",
        "sum": "jumlah baris fasilitas",
        "estimate": "estimasi",
        "sasaran_src": "tabel sasaran",
        "rows": "baris dibaca",
        "rejected": "ditolak",
        "out_period": "di luar periode",
        "out_pop": "di luar populasi",
        "period": "Periode",
        "rules": "Aturan",
        "not_in_force": "PERINGATAN: aturan ini tidak berlaku untuk periode",
        "met": "memenuhi",
        "not_met": "tidak memenuhi",
        "not_applicable": "tidak berlaku",
        "not_evaluated": "tidak dinilai",
        "not_recorded": "tidak tercatat",
        "counted_yes": "SESUAI STANDAR",
        "counted_no": "TIDAK sesuai standar",
        "outside": "di luar cakupan",
        "records": "Catatan",
        "note": "catatan",
        "at_least": "minimal",
        "at_most": "maksimal",
        "more_than": "lebih dari",
        "less_than": "kurang dari",
        "equals": "harus",
        "not_equal": "bukan",
        "of": "dari",
        "lacking": "tidak memenuhi",
        "none": "tidak ada",
        "found": "ditemukan",
        "problems": "Masalah data",
        "facility_of": "Fasilitas",
    },
    "en": {
        "facility": "Facility",
        "sasaran": "Target pop.",
        "served": "Served to standard",
        "capaian": "Coverage",
        "remarks": "Remarks",
        "recorded": "Recorded",
        "total": "Total",
        "target": "target",
        "reached": "reached",
        "not_reached": "not reached",
        "no_records": "in target population without any record",
        "info": "informative",
        "source": "Denominator source",
        "counted": "counted from records",
        "sum": "sum of facility rows",
        "estimate": "estimate",
        "sasaran_src": "sasaran table",
        "rows": "rows read",
        "rejected": "rejected",
        "out_period": "outside the period",
        "out_pop": "outside the population",
        "period": "Period",
        "rules": "Rules",
        "not_in_force": "WARNING: these rules are not in force for the period",
        "met": "met",
        "not_met": "not met",
        "not_applicable": "not applicable",
        "not_evaluated": "not evaluated",
        "not_recorded": "not recorded",
        "counted_yes": "SERVED TO STANDARD",
        "counted_no": "NOT served to standard",
        "outside": "out of scope",
        "records": "Records",
        "note": "note",
        "at_least": "at least",
        "at_most": "at most",
        "more_than": "more than",
        "less_than": "less than",
        "equals": "must be",
        "not_equal": "not",
        "of": "of",
        "lacking": "failing",
        "none": "none",
        "found": "found",
        "problems": "Data problems",
        "facility_of": "Facility",
    },
}


def t(lang: str, key: str) -> str:
    return LABELS.get(lang, LABELS["id"]).get(key, LABELS["id"][key])


def pick(lang: str, indonesian: str | None, english: str | None) -> str:
    return (english or indonesian or "") if lang == "en" else (indonesian or english or "")


def number(value: Decimal | int | None, lang: str = "id") -> str:
    """Thousands grouped: 1.000 in Indonesian, 1,000 in English; decimals kept as given."""
    if value is None:
        return "—"
    d = Decimal(value)
    sign = "-" if d < 0 else ""
    d = abs(d)
    whole = int(d)
    frac = d - whole
    grouped = f"{whole:,}"
    frac_text = format(frac.normalize(), "f")[1:] if frac else ""
    if lang != "en":
        grouped = grouped.replace(",", ".")
        frac_text = frac_text.replace(".", ",")
    return sign + grouped + frac_text


def percent(value: Fraction | None, lang: str = "id") -> str:
    """The one display rule: percent to two decimals, rounded half up; '96,25 %'."""
    if value is None:
        return "—"
    pct = Decimal(value.numerator) * 100 / Decimal(value.denominator)
    q = pct.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{q:.2f}"
    return (text if lang == "en" else text.replace(".", ",")) + " %"


def percent_plain(value: Fraction | None) -> str | None:
    """The same rounding for machine output: '96.25'."""
    if value is None:
        return None
    pct = Decimal(value.numerator) * 100 / Decimal(value.denominator)
    return f"{pct.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


def mask_nik(text: str) -> str:
    """3201234567890003 -> 3201********0003 (keeps region code and last four digits)."""
    if len(text) == 16 and text.isdigit():
        return text[:4] + "*" * 8 + text[-4:]
    return text
