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
from ..registers.runs import Entries

_RUN = re.compile(r"\d(?:[ .\-]?\d){5,}")
_SIXTEEN = re.compile(r"(?<!\d)\d{16}(?!\d)")  # a NIK among other text, wherever it stands
_SIXTEEN_ASCII = re.compile(r"(?<![0-9])([0-9]{4})[0-9]{8}([0-9]{4})(?![0-9])")  # (an ASCII text)
_NON_DIGIT = re.compile(r"\D")


def _kept(n: int) -> tuple[int, int]:
    """How many of `n` digits a mask keeps at the head and at the tail."""
    return (4, 4) if n >= 12 else (0, min(2, max(0, n - 4)))


def mask_digits(text: str) -> str:
    """Hide the digits of an identity number; keep region code and last four (16 digits), or
    only the last two (any other length). Separators stay where they were."""
    if text.isascii() and text.isdigit():  # (a NIK as written: a city's report holds millions)
        n = len(text)
        head, tail = _kept(n)
        return text[:head] + "*" * (n - head - tail) + text[n - tail :]
    digits = _NON_DIGIT.sub("", text)
    n = len(digits)
    keep_head, keep_tail = _kept(n)
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

    __slots__ = ("_digits", "_numbers", "_steps", "mask")

    def __init__(self, mask: bool = False, secrets: Iterable[str] = ()):
        self.mask = mask
        # the secrets written in digits alone, per length, and the others (`str.isdecimal`:
        # what `\d` matches; a city has millions of NIKs: no regex call, no copy per NIK)
        by_length: dict[int, set[str]] = {}
        others: set[str] = set()
        for t in map(str.strip, filter(None, secrets)):
            if t.isdecimal():
                if len(t) >= 4:
                    by_length.setdefault(len(t), set()).add(t)
            elif t:
                others.add(t)
        self._numbers = by_length  # (`_run`: a run of digits that is a secret's digits)
        # the digits of the others (a secret's digits, however written: `_run`)
        self._digits = {d for d in (_NON_DIGIT.sub("", t) for t in others) if len(d) >= 4}
        # every secret as written, longest first: replaced wherever it stands, even inside a
        # longer run of digits or an identifier (`s-usia_produktif-3216…0509-5`). Secrets
        # written in digits alone of the lengths between two others are one step: they
        # stand inside runs of digits and are looked for there (a city's report is a hundred
        # megabytes with millions of NIKs in it: searching the whole text once per secret
        # took days); any other secret is searched for through the text.
        steps: list[str | _Numbers] = []
        band: dict[int, set[str]] = {}
        texts = sorted((t for t in others if len(t) >= 4), key=len, reverse=True)
        for length in sorted(set(by_length) | {len(t) for t in texts}, reverse=True):
            alike = [t for t in texts if len(t) == length]
            if alike:
                if band:
                    steps.append(_Numbers(band, last=False))
                    band = {}
                steps += alike
            if length in by_length:
                band[length] = by_length[length]
        if band:
            steps.append(_Numbers(band, last=True))
        self._steps = steps

    @classmethod
    def for_register(cls, register: Register | None, mask: bool) -> Privacy:
        if not mask:
            return cls()
        return cls(True, personal_values(register) if register is not None else ())

    def _run(self, m: re.Match[str]) -> str:
        digits = _NON_DIGIT.sub("", m.group())
        if len(digits) == 16 or digits in self._digits or digits in self._numbers.get(len(digits), ()):
            return mask_digits(m.group())
        return m.group()

    def text(self, text: str) -> str:
        if not self.mask or not text:
            return text
        for step in self._steps:
            if isinstance(step, _Numbers):
                text = step.mask(text)
            elif step in text:
                text = text.replace(
                    step, mask_digits(step) if any(c.isdigit() for c in step) else "*" * len(step)
                )
        if text.isascii():  # (`mask_digits` of 16 digits, made by the regex engine: millions of them)
            text = _SIXTEEN_ASCII.sub(r"\1********\2", text)
        else:
            text = _SIXTEEN.sub(lambda m: mask_digits(m.group()), text)
        return _RUN.sub(self._run, text)


class _Numbers:
    """Secrets written in digits alone, of the lengths one step masks (`Privacy`), looked for
    inside each run of digits of the text: longest first, each length from the left, as
    `str.replace` would mask one secret after the other (two secrets of one length that
    overlap: the leftmost is masked)."""

    __slots__ = ("_by_length", "_pattern", "_whole")

    def __init__(self, by_length: dict[int, set[str]], last: bool) -> None:
        self._by_length = dict(sorted(by_length.items(), reverse=True))
        shortest = min(by_length)
        # the last step before `_SIXTEEN`, no secret shorter than 16: a run of exactly 16
        # digits is masked as a whole there, alike whether it is a secret or not
        self._pattern = re.compile(r"\d{17,}" if last and shortest >= 16 else rf"\d{{{shortest},}}")
        # a run that is a secret is masked at once, unless a secret of four digits may stand
        # in the four digits it keeps at either end
        self._whole = 4 not in by_length

    def mask(self, text: str) -> str:
        return self._pattern.sub(self._in_run, text)

    def _in_run(self, m: re.Match[str]) -> str:
        run = m.group()
        same = self._by_length.get(len(run))
        if self._whole and same is not None and run in same:  # a NIK standing alone
            return mask_digits(run)
        for length, secrets in self._by_length.items():
            i = 0
            while i + length <= len(run):
                if run[i : i + length] in secrets:
                    run = run[:i] + mask_digits(run[i : i + length]) + run[i + length :]
                    i += length
                else:
                    i += 1
        return run


def personal_values(register: Register) -> set[str]:
    """Every value the registers hold in a personal column: valid, warned about or rejected."""
    kinds = register.contract.kinds
    personal = {(k.name, f.name) for k in kinds.values() for f in k.fields.values() if f.personal}
    columns = {name for _kind, name in personal}
    out: set[str] = set()
    entries = register.entries
    if isinstance(entries, Entries):  # a city's millions of rows: a column at a time
        fields: dict[str, list[str]] = {}
        for kind, name in sorted(personal):
            fields.setdefault(kind, []).append(name)
        out.update(map(str, filter(None, entries.field_values(fields))))
    else:
        for e in entries:
            if e.record is not None:
                for kind, name in personal:
                    if kind == e.record.kind and e.record.get(name):
                        out.add(str(e.record.get(name)))
    for p in register.problems:
        if p.column in columns and p.value:
            out.add(p.value)
    return out
