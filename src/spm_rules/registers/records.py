"""Typed records as the engine sees them, each knowing the file and line it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, order=True)
class RecordRef:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True, eq=False)
class Record:
    """One row of a register after validation: typed values (None = not recorded)."""

    kind: str
    values: dict[str, Any]
    ref: RecordRef

    def get(self, name: str) -> Any:
        return self.values.get(name)
