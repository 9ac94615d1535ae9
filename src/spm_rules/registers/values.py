"""Turn the text of a cell into a typed value, or say in plain words why it cannot be one."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

_DMY = re.compile(r"^(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_NUM = re.compile(r"^-?\d+([.,]\d+)?$")


class CellError(ValueError):
    def __init__(self, message: str, message_en: str):
        super().__init__(message_en)
        self.message, self.message_en = message, message_en


def parse_date(text: str) -> dt.date:
    """ISO (2024-03-12) or day-first (12/03/2024, 12-03-2024, 12.03.2024)."""
    m = _ISO.match(text)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _DMY.match(text)
        if not m:
            raise CellError(
                "bukan tanggal; tulis YYYY-MM-DD atau DD/MM/YYYY",
                "not a date; write YYYY-MM-DD or DD/MM/YYYY",
            )
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    try:
        return dt.date(y, mo, d)
    except ValueError:
        raise CellError("tanggal tidak ada di kalender", "no such calendar date") from None


def parse_number(text: str, integer: bool = False) -> Decimal:
    """Digits with at most one decimal separator, point or comma (Indonesian Excel)."""
    if not _NUM.match(text):
        raise CellError("bukan angka", "not a number")
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise CellError("bukan angka", "not a number") from None
    if integer and value != value.to_integral_value():
        raise CellError("harus bilangan bulat", "must be a whole number")
    return value
