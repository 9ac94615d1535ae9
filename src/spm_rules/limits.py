"""Limits on input size and depth, checked before the work that would exhaust memory or stack.

Every limit has a name, a default that real registers and rule files stay far below, and is
raised with `--limit NAME=VALUE` on any command that reads input. A message that meets a limit
names it and says how to raise it (docs/robustness.md lists them all).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace

from .messages import BilingualError


@dataclass(frozen=True, slots=True)
class Limits:
    rule_file_kb: int = 2048  # size of one rule file
    expression_depth: int = 400  # nesting of a rule expression (and/or/+ chains count per term)
    json_depth: int = 32  # nesting of one JSON Lines row
    number_digits: int = 40  # digits in a number cell
    xlsx_part_mb: int = 256  # uncompressed size of one part (sheet) of an XLSX file
    sheet_rows: int = 10_000_000  # rows of one sheet or CSV file (a kabupaten's penduduk: 5,5 M)
    sheet_columns: int = 1000  # columns of one sheet or CSV row
    yaml_aliases: int = 100  # YAML aliases in a column mapping (guards against alias bombs)

    def with_pairs(self, pairs: Iterable[str]) -> Limits:
        """`name=value` pairs from the command line applied to these limits."""
        known = {f.name for f in fields(self)}
        changes: dict[str, int] = {}
        for pair in pairs:
            name, _, value = pair.partition("=")
            name = name.strip().replace("-", "_")
            if name not in known or not value.strip().isdigit() or int(value) <= 0:
                names = ", ".join(sorted(known))
                raise BilingualError(
                    f"--limit {pair!r} tidak sah; tulis NAMA=ANGKA, NAMA salah satu dari: {names}",
                    f"--limit {pair!r} is not valid; write NAME=NUMBER, NAME one of: {names}",
                )
            changes[name] = int(value)
        return replace(self, **changes)


DEFAULT_LIMITS = Limits()


class LimitExceeded(BilingualError):
    """An input met a limit: the message names it, its value, and how to raise it."""

    def __init__(self, name: str, limit: int, what: str, what_en: str, where: str | None = None):
        super().__init__(
            f"{what} melebihi batas {name}={limit}; bila memang benar, naikkan dengan --limit {name}=N",
            f"{what_en} exceeds the limit {name}={limit}; if it is genuine, raise it with --limit {name}=N",
            where,
        )
        self.name = name
