"""Turn the text of a cell into a typed value, or say in plain words why it cannot be one.

Dates, as Indonesian exports write them:
- ISO `2024-03-12` (also `2024/03/12`, and with a time part `2024-03-12 00:00:00`);
- day first: `12/03/2024`, `12-03-2024`, `12.03.2024` (Indonesia writes the day first);
- month names, Indonesian or English, full or short: `12 Maret 2024`, `12-Mar-24`, `12 Agt 2024`;
- Excel serial numbers: `45363` (days since 1899-12-30), from 1 (1900) to 73050 (2099).
A two-digit year is accepted only beside a month name (`12-Mar-24`): it is the latest year
ending in those digits that is not in the future. `03/04/05` is refused as ambiguous.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from ..model import Reason

_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]00:00(?::00)?)?$")
_DMY = re.compile(r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})$")
_DMY2 = re.compile(r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{2})$")
_NAMED = re.compile(r"^(\d{1,2})[\s\-./]+([A-Za-z]+)\.?[\s\-./]+(\d{2}|\d{4})$")
_SERIAL = re.compile(r"^\d{1,5}(?:\.0+)?$")
_NUM = re.compile(r"^-?\d+([.,]\d+)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)

MONTHS = {
    "januari": 1,
    "jan": 1,
    "january": 1,
    "februari": 2,
    "feb": 2,
    "pebruari": 2,
    "peb": 2,
    "february": 2,
    "maret": 3,
    "mar": 3,
    "march": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "may": 5,
    "juni": 6,
    "jun": 6,
    "june": 6,
    "juli": 7,
    "jul": 7,
    "july": 7,
    "agustus": 8,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "aug": 8,
    "august": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "oct": 10,
    "october": 10,
    "november": 11,
    "nov": 11,
    "nop": 11,
    "nopember": 11,
    "desember": 12,
    "des": 12,
    "dec": 12,
    "december": 12,
}


class CellError(ValueError):
    """Why the text of a cell is not a value of its type (a reason code, worded by the report)."""

    def __init__(self, code: str, **args: object):
        super().__init__(code)
        self.reason = Reason.of(code, **args)


def _make(y: int, m: int, d: int) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise CellError("cell.no_such_date") from None


def _century(yy: int, today: dt.date) -> int:
    year = 2000 + yy
    return year if year <= today.year else 1900 + yy


def parse_date(text: str, today: dt.date | None = None) -> dt.date:
    today = today or dt.date.today()
    t = text.strip()
    if m := _ISO.match(t):
        return _make(int(m[1]), int(m[2]), int(m[3]))
    if m := _DMY.match(t):
        return _make(int(m[3]), int(m[2]), int(m[1]))
    if m := _NAMED.match(t):
        month = MONTHS.get(m[2].lower())
        if month is None:
            raise CellError("cell.unknown_month", name=m[2])
        year = int(m[3]) if len(m[3]) == 4 else _century(int(m[3]), today)
        return _make(year, month, int(m[1]))
    if _DMY2.match(t):
        raise CellError("cell.two_digit_year")
    if _SERIAL.match(t):
        n = int(float(t))
        if 1 <= n <= 73050:
            return _EXCEL_EPOCH + dt.timedelta(days=n)
    raise CellError("cell.not_a_date")


_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")


def parse_time(text: str) -> str:
    """A time of day as registers write it (`7:05`, `07.05`, `07:05:00`), held as `HH:MM`."""
    m = _TIME.match(text.strip())
    if m is None or int(m[1]) > 23 or int(m[2]) > 59 or (m[3] is not None and int(m[3]) > 59):
        raise CellError("cell.not_a_time")
    return f"{int(m[1]):02d}:{m[2]}"


def parse_number(text: str, integer: bool = False, max_digits: int = 40) -> Decimal:
    """Digits with at most one decimal separator, point or comma (Indonesian Excel)."""
    if sum(ch.isdigit() for ch in text) > max_digits:
        raise CellError("cell.too_many_digits", limit=max_digits)
    if not _NUM.match(text):
        raise CellError("cell.not_a_number")
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise CellError("cell.not_a_number") from None
    if integer and value != value.to_integral_value():
        raise CellError("cell.not_whole")
    return value


def nik_birth_and_sex(nik: str, today: dt.date | None = None) -> tuple[dt.date | None, str]:
    """The birth date and sex encoded in a NIK (digits 7-12 are DDMMYY; women's day + 40)."""
    dd, mm, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "P" if dd > 40 else "L"
    if dd > 40:
        dd -= 40
    try:
        return dt.date(_century(yy, today or dt.date.today()), mm, dd), sex
    except ValueError:
        return None, sex
