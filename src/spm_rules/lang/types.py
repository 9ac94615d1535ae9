"""Static types of the rule language, shared by the checker and the built-in catalogue."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class T:
    """A static type: scalar name, or record / collection of a record kind, or set of a scalar."""

    name: str  # number, string, date, bool, any, missing, record, collection, set
    kind: str | None = None  # record kind for record / collection; element type for set

    def __str__(self) -> str:
        if self.name in ("record", "collection"):
            return f"{self.name}<{self.kind}>"
        if self.name == "set":
            return f"set<{self.kind}>"
        return self.name


NUMBER, STRING, DATE, BOOL = T("number"), T("string"), T("date"), T("bool")
ANY, MISSING = T("any"), T("missing")
SCALARS = {"number", "string", "date", "bool"}

_TYPE_ID = {
    "number": "angka",
    "string": "teks",
    "date": "tanggal",
    "bool": "ya/tidak",
    "any": "apa saja",
    "missing": "missing",
    "record": "catatan",
    "collection": "kumpulan catatan",
    "set": "himpunan",
}


def type_id(t: T) -> str:
    """The type's name in Bahasa Indonesia, for diagnostics."""
    base = _TYPE_ID.get(t.name, t.name)
    return f"{base}<{t.kind}>" if t.kind else base


def compatible(a: T, b: T) -> bool:
    if ANY in (a, b) or MISSING in (a, b):
        return True
    return a == b
