"""Number formats and the choice of language; the words themselves live in `catalogue.py`."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .catalogue import label


def t(lang: str, key: str) -> str:
    """A label from the phrase catalogue (one place for every word)."""
    return label(key, lang)


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
