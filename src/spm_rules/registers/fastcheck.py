"""A compiled check for the subset of JSON Schema that the data contract uses.

`jsonschema` stays the reference: a row the fast check accepts is one jsonschema accepts (a
property test holds them to that), and any row the fast check refuses is handed to jsonschema,
which words the errors. This makes validating a clean row about five times cheaper, which
matters for registers of hundreds of thousands of rows. A schema that uses any keyword outside
the subset gets no fast check at all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

_TOP = {
    "$schema",
    "$id",
    "title",
    "description",
    "type",
    "x-spm",
    "required",
    "properties",
    "additionalProperties",
    "anyOf",
}
_PROP = {
    "x-format",
    "type",
    "enum",
    "minimum",
    "maximum",
    "pattern",
    "maxLength",
    "format",
    "description",
    "x-unit",
    "x-derived",
    "x-personal",
    "x-evidence",
}


# patterns whose full match in DuckDB (RE2's `regexp_full_match`) accepts a text only where
# Python's `search` of the pattern does: anchored at both ends, ASCII classes, no `\\d` (a
# Unicode digit in Python). A text RE2 accepts has no space to strip, is not empty and passes.
_SAME_IN_RE2 = {
    "^[0-9]{16}$": "[0-9]{16}",
    "^[0-9]+/[0-9]+$": "[0-9]+/[0-9]+",
    "^[0-9]{4}/[0-9]{4}$": "[0-9]{4}/[0-9]{4}",
    "^([01][0-9]|2[0-3]):[0-5][0-9]$": "([01][0-9]|2[0-3]):[0-5][0-9]",
}
# what a property may say besides its type and pattern for its texts to be judged by RE2
_ONLY_WORDS = {"type", "pattern", "description", "x-unit", "x-derived", "x-personal", "x-evidence"}
# every character Python's `str.strip()` removes (`str.isspace`), as an RE2 class
_SPACE = (
    r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
    r"\x{202f}\x{205f}\x{3000}]"
)


def _sure_text(limit: int) -> tuple[str, int] | None:
    """What DuckDB is sure of for a string property with only a `maxLength`: a text it fully
    matches within the limit (in characters, as `length` and `len` count them) is, in Python,
    its own value once stripped and passes — not empty, neither first nor last character a
    space. None for a limit no text meets."""
    if limit < 1:
        return None
    solid = "[^" + _SPACE[1:]
    return f"{solid}(?s:.*{solid})?", limit


def _date_ok(v: Any) -> bool:
    if not isinstance(v, str):
        return True
    try:
        dt.date.fromisoformat(v)
    except ValueError:
        return False
    return len(v) == 10


def _type_ok(types: set[str]) -> Callable[[Any], bool]:
    def check(v: Any) -> bool:
        if v is None:
            return "null" in types
        if isinstance(v, bool):
            return "boolean" in types
        if isinstance(v, int):
            return bool(types & {"integer", "number"})
        if isinstance(v, float):
            return "number" in types or ("integer" in types and v.is_integer())
        if isinstance(v, str):
            return "string" in types
        return False

    return check


def json_form(value: Any) -> Any:
    """A typed value as the JSON document validated by the schema has it."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class FastCheck:
    """The compiled check of one schema: `self(doc)` for a JSON document, and `property_ok`
    for one property's value (the batch reader checks each distinct value of a column once)."""

    def __init__(
        self,
        required: tuple[str, ...],
        any_of: list[tuple[str, ...]],
        checks: dict[str, list[Callable[[Any], bool]]],
        text_filters: dict[str, list[Callable[[list[str]], list[str]]]] | None = None,
        sure: dict[str, tuple[str, int | None]] | None = None,
    ):
        self.required, self.any_of, self.checks = required, any_of, checks
        self._text_filters = text_filters or {}
        # per property, an RE2 pattern (and a most characters, or None) whose full match in
        # DuckDB says that a text is its own value and passes (the DuckDB reader then never
        # fetches it: `duckcsv.sure_sql`)
        self.sure = sure or {}

    def __call__(self, doc: dict) -> bool:
        for name in self.required:
            if name not in doc:
                return False
        if self.any_of and not any(all(n in doc for n in alt) for alt in self.any_of):
            return False
        for name, tests in self.checks.items():
            if name in doc:
                v = doc[name]
                for t in tests:
                    if not t(v):
                        return False
        return True

    def property_ok(self, name: str, value: Any) -> bool:
        """Whether one property's value (in its JSON form) passes its tests; a property
        without tests always does."""
        return all(t(value) for t in self.checks.get(name, ()))

    def texts_ok(self, name: str, texts: list[str]) -> list[str]:
        """The texts (each a `str`) whose property `name` passes, in order: `property_ok` of
        each, with each test applied to the whole list in one comprehension. A city's free-text
        column (a NIK per person) has millions of distinct texts, and a call per test and text
        cost more than reading them."""
        if name not in self._text_filters:  # a property outside `checks` has no tests
            return [t for t in texts if self.property_ok(name, t)]
        for keep in self._text_filters[name]:
            texts = keep(texts)
        return texts


def compile_schema(schema: dict) -> FastCheck | None:
    """The check of documents valid for `schema`, or None if the schema is outside the subset
    this module knows."""
    if set(schema) - _TOP or schema.get("type") != "object":
        return None
    if schema.get("additionalProperties", True) is not True:
        return None
    required = tuple(schema.get("required", ()))
    any_of: list[tuple[str, ...]] = []
    for alt in schema.get("anyOf", ()):
        if set(alt) != {"required"}:
            return None
        any_of.append(tuple(alt["required"]))
    checks: list[tuple[str, list[Callable[[Any], bool]]]] = []  # in the schema's order
    # per property, its tests as filters of a list of texts (`FastCheck.texts_ok`): what each
    # test above answers for a `str`
    text_filters: dict[str, list[Callable[[list[str]], list[str]]]] = {}
    sure: dict[str, tuple[str, int | None]] = {}
    for name, spec in schema.get("properties", {}).items():
        if set(spec) - _PROP:
            return None
        if spec.get("format", "date") != "date":
            return None
        types = spec.get("type", [])
        types = {types} if isinstance(types, str) else set(types)
        tests: list[Callable[[Any], bool]] = [_type_ok(types)]
        filters: list[Callable[[list[str]], list[str]]] = []
        if "string" not in types:
            filters.append(lambda xs: [])
        if "enum" in spec:
            allowed = list(spec["enum"])
            tests.append(lambda v, a=allowed: v in a or (v is None and None in a))
            texts = frozenset(a for a in allowed if isinstance(a, str))  # a text equals only a text
            filters.append(lambda xs, a=texts: [x for x in xs if x in a])
        if "minimum" in spec:
            tests.append(lambda v, m=spec["minimum"]: not isinstance(v, int | float) or v >= m)
        if "maximum" in spec:
            tests.append(lambda v, m=spec["maximum"]: not isinstance(v, int | float) or v <= m)
        if "pattern" in spec:
            rx = re.compile(spec["pattern"])
            tests.append(lambda v, r=rx: not isinstance(v, str) or r.search(v) is not None)
            filters.append(lambda xs, search=rx.search: [x for x in xs if search(x) is not None])
        if "maxLength" in spec:
            tests.append(lambda v, n=spec["maxLength"]: not isinstance(v, str) or len(v) <= n)
            filters.append(lambda xs, n=spec["maxLength"]: [x for x in xs if len(x) <= n])
        if spec.get("format") == "date":
            tests.append(_date_ok)
            filters.append(lambda xs: list(filter(_date_ok, xs)))
        checks.append((name, tests))
        text_filters[name] = filters
        if "string" in types and set(spec) <= _ONLY_WORDS and spec.get("pattern") in _SAME_IN_RE2:
            sure[name] = (_SAME_IN_RE2[spec["pattern"]], None)
        elif "string" in types and set(spec) <= _ONLY_WORDS - {"pattern"} | {"maxLength"}:
            found = _sure_text(int(spec["maxLength"])) if "maxLength" in spec else None
            if found is not None:  # (a text without a limit: none said here)
                sure[name] = found

    return FastCheck(required, any_of, dict(checks), text_filters, sure)
