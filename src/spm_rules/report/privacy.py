"""Privacy as one rendering policy: NIK masking applied at one point to every output.

Registers hold health data of named people (UU 27/2022). With `--mask-nik`, every text the
program writes — tables, explanations, JSON, the ledger, workbook cells, data-problem lists,
error messages — passes through `Privacy.text` on its way out, so no renderer can forget it.
What is masked:
- every value read from a column the contract marks personal (`x-personal: nik`), whatever its
  length or spacing, rejected values included;
- any run of 16 digits (the form of a NIK), with or without spaces, dots or dashes between them.
A masked NIK keeps its region code and last four digits: 3201********0003.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..model import Register

_RUN = re.compile(r"\d(?:[ .\-]?\d){5,}")
_SIXTEEN = re.compile(r"(?<!\d)\d{16}(?!\d)")  # a NIK among other text, wherever it stands
_NON_DIGIT = re.compile(r"\D")


def mask_digits(text: str) -> str:
    """Hide the digits of an identity number; keep region code and last four (16 digits), or
    only the last two (any other length). Separators stay where they were."""
    digits = _NON_DIGIT.sub("", text)
    n = len(digits)
    keep_head, keep_tail = (4, 4) if n >= 12 else (0, min(2, max(0, n - 4)))
    out, i = [], 0
    for ch in text:
        if ch.isdigit():
            out.append(ch if i < keep_head or i >= n - keep_tail else "*")
            i += 1
        else:
            out.append(ch)
    return "".join(out)


class Privacy:
    """What may be shown. `Privacy()` shows everything; `Privacy(True, secrets)` masks."""

    __slots__ = ("_digits", "_texts", "mask")

    def __init__(self, mask: bool = False, secrets: Iterable[str] = ()):
        self.mask = mask
        texts = {s.strip() for s in secrets if s and s.strip()}
        self._digits = {d for d in (_NON_DIGIT.sub("", t) for t in texts) if len(d) >= 4}
        # every secret as written, longest first: replaced wherever it stands, even inside a
        # longer run of digits or an identifier (`s-usia_produktif-3216…0509-5`)
        self._texts = sorted((t for t in texts if len(t) >= 4), key=len, reverse=True)

    @classmethod
    def for_register(cls, register: Register | None, mask: bool) -> Privacy:
        if not mask:
            return cls()
        return cls(True, personal_values(register) if register is not None else ())

    def _run(self, m: re.Match[str]) -> str:
        digits = _NON_DIGIT.sub("", m.group())
        if len(digits) == 16 or digits in self._digits:
            return mask_digits(m.group())
        return m.group()

    def text(self, text: str) -> str:
        if not self.mask or not text:
            return text
        for secret in self._texts:
            if secret in text:
                text = text.replace(
                    secret, mask_digits(secret) if any(c.isdigit() for c in secret) else "*" * len(secret)
                )
        text = _SIXTEEN.sub(lambda m: mask_digits(m.group()), text)
        return _RUN.sub(self._run, text)


def personal_values(register: Register) -> set[str]:
    """Every value the registers hold in a personal column: valid, warned about or rejected."""
    kinds = register.contract.kinds
    personal = {(k.name, f.name) for k in kinds.values() for f in k.fields.values() if f.personal}
    columns = {name for _kind, name in personal}
    out: set[str] = set()
    for e in register.entries:
        if e.record is not None:
            for kind, name in personal:
                if kind == e.record.kind and e.record.get(name):
                    out.add(str(e.record.get(name)))
    for p in register.problems:
        if p.column in columns and p.value:
            out.add(p.value)
    return out
