"""The data contract: which record kinds exist, their fields, types, units and keys.

The JSON Schemas in `schemas/` are the single source of truth; the checker reads field types
from them and the readers validate every row against them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from .fastcheck import FastCheck, compile_schema

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


class LazyValidator:
    """The jsonschema validator of one kind, built on first use: the fast check accepts almost
    every row, so a command that meets no bad row (`explain` of one subject) never imports
    jsonschema nor builds its validators. Answers as `Draft202012Validator` does."""

    __slots__ = ("_schema", "_validator")

    def __init__(self, schema: dict):
        self._schema = schema
        self._validator: Any = None

    def _built(self) -> Any:
        if self._validator is None:
            from jsonschema import Draft202012Validator, FormatChecker

            self._validator = Draft202012Validator(self._schema, format_checker=FormatChecker())
        return self._validator

    def iter_errors(self, instance: Any):
        return self._built().iter_errors(instance)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy and pickle ask for these: never build for them
            raise AttributeError(name)
        return getattr(self._built(), name)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: str  # "number" | "integer" | "string" | "date" | "time" | "bool"
    description: str
    unit: str | None
    enum: tuple[str, ...] | None
    required: bool
    derived: bool = False  # computed by the reader (id_orang), never read from input
    personal: str | None = None  # "nik": an identity number, masked by `--mask-nik` everywhere
    # records that something was done or given (`x-evidence`): the not-done spellings
    # ("tidak", "belum", "-", "0", "tidak ada", "tidak diketahui") never count as done
    evidence: bool = False


@dataclass(frozen=True, slots=True)
class Identity:
    """How a record names its person, declared in the schema (`x-spm.identity`).

    The derived `field` is the first alternative whose fields are all recorded, joined by
    `join`: the NIK, else `fasilitas#id_lokal` (a local id is valid only where it was issued).
    """

    field: str
    alternatives: tuple[tuple[str, ...], ...]
    join: str = "#"

    def derive(self, values: dict[str, Any]) -> str | None:
        for names in self.alternatives:
            parts = [values.get(n) for n in names]
            if all(p not in (None, "") for p in parts):
                return self.join.join(str(p) for p in parts)
        return None


@dataclass(frozen=True, slots=True)
class PersonRegister:
    """The kind that holds each person's birth date and sex (`x-spm.person_register`)."""

    birth: str
    sex: str
    nik: str


@dataclass(frozen=True, slots=True)
class Episode:
    """How records of one kind that name the same episode are recognised (`x-spm.episode`).

    Two rows with the same `by` values (the person) whose `date` fields lie at most
    `tolerance_days` apart are one episode — one pregnancy recorded at a Puskesmas and at a
    private midwife under two local numbers — even when their keys differ.
    """

    by: tuple[str, ...]
    date: str
    tolerance_days: int
    until: str | None = None  # the episode's end (a delivery), when recorded
    max_days: int | None = None  # else it ends this many days after `date` (294: 42 weeks)


@dataclass(frozen=True, slots=True)
class EpisodeLink:
    """Records that name their episode by the person and a date, when the register has no
    shared episode number (`x-spm.episode_link`): an ANC visit by the mother's NIK and its date
    falls in one pregnancy of hers."""

    kind: str
    key: str
    person: str
    date: str


@dataclass(frozen=True, slots=True)
class RecordKind:
    name: str
    title: str
    description: str
    key: str | None
    date_field: str | None
    fields: dict[str, FieldSpec]
    schema: dict
    identity: Identity | None = None  # rows name a person (NIK, or local id within a facility)
    # fields whose values name one subject: two rows with the same values are one subject
    unique: tuple[tuple[str, ...], ...] = ()
    person_register: PersonRegister | None = None
    episode: Episode | None = None
    episode_link: EpisodeLink | None = None
    # jsonschema, the reference, and the compiled fast check of the same schema (or None)
    validator: Any = field(default=None, compare=False, repr=False)
    fast: FastCheck | None = field(default=None, compare=False, repr=False)

    @property
    def person(self) -> bool:
        return self.identity is not None


@dataclass(frozen=True, slots=True)
class Contract:
    kinds: dict[str, RecordKind]

    def kind(self, name: str) -> RecordKind | None:
        return self.kinds.get(name)

    @property
    def person_kind(self) -> RecordKind | None:
        """The register of persons (birth date, sex), if the contract declares one."""
        return next((k for k in self.kinds.values() if k.person_register), None)

    @property
    def dated_services(self) -> dict[str, tuple[str, str]]:
        """Per kind whose rows name a person and date a service (the person register aside):
        the field naming the person and the date field. These are the rows judged against
        the person register (`crosscheck.reject_before_birth`)."""
        return {
            k.name: (k.identity.field, k.date_field)
            for k in self.kinds.values()
            if k.identity is not None and k.person_register is None and k.date_field is not None
        }

    def with_checks(self, names: Iterable[str]) -> frozenset[str]:
        """The kinds named and every kind the checks across records read to judge their
        records (`crosscheck`), so that reading only these gives their records exactly as a
        read of every kind does: the person register (a service dated before the birth), the
        episode kind a record is linked to by person and date (`episode_link`), and the
        episode kind whose key a record names (a later number merged into the first). Kinds
        not in the contract are left out."""
        wanted = [n for n in names if n in self.kinds]
        out: set[str] = set()
        person, dated = self.person_kind, self.dated_services
        # per key field, the episode kinds numbered by it (`relink` follows all of them)
        episodes: dict[str, set[str]] = {}
        for k in self.kinds.values():
            if k.episode is not None and k.key:
                episodes.setdefault(k.key, set()).add(k.name)
        while wanted:
            name = wanted.pop()
            if name in out:
                continue
            out.add(name)
            kind = self.kinds[name]
            if person is not None and name in dated:
                wanted.append(person.name)
            if kind.episode_link is not None and kind.episode_link.kind in self.kinds:
                wanted.append(kind.episode_link.kind)
            for f in kind.fields:
                wanted += sorted(episodes.get(f, ()))
        return frozenset(out)


def _field_type(spec: dict) -> str:
    types = spec.get("type", "string")
    types = [t for t in (types if isinstance(types, list) else [types]) if t != "null"]
    base = types[0] if types else "string"
    if base == "string" and spec.get("format") == "date":
        return "date"
    if base == "string" and spec.get("x-format") == "time":
        return "time"
    return {"boolean": "bool"}.get(base, base)


def _identity(meta: dict | None) -> Identity | None:
    if not meta:
        return None
    return Identity(meta["field"], tuple(tuple(alt) for alt in meta["from"]), meta.get("join", "#"))


def _episode(meta: dict | None) -> Episode | None:
    if not meta:
        return None
    return Episode(
        tuple(meta["by"]), meta["date"], int(meta["tolerance_days"]), meta.get("until"), meta.get("max_days")
    )


@cache
def load_contract() -> Contract:
    kinds: dict[str, RecordKind] = {}
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        meta = schema.get("x-spm", {})
        required = set(schema.get("required", ()))
        fields = {
            name: FieldSpec(
                name=name,
                type=_field_type(spec),
                description=spec.get("description", ""),
                unit=spec.get("x-unit"),
                enum=tuple(e for e in spec["enum"] if e is not None) if "enum" in spec else None,
                required=name in required,
                derived=bool(spec.get("x-derived", False)),
                personal=spec.get("x-personal"),
                evidence=bool(spec.get("x-evidence", False)),
            )
            for name, spec in schema["properties"].items()
        }
        kinds[path.stem] = RecordKind(
            name=path.stem,
            title=schema.get("title", path.stem),
            description=schema.get("description", ""),
            key=meta.get("key"),
            date_field=meta.get("date"),
            fields=fields,
            schema=schema,
            identity=_identity(meta.get("identity")),
            unique=tuple(tuple(u) for u in meta.get("unique", ())),
            person_register=PersonRegister(**meta["person_register"]) if "person_register" in meta else None,
            episode=_episode(meta.get("episode")),
            episode_link=EpisodeLink(**meta["episode_link"]) if "episode_link" in meta else None,
            validator=LazyValidator(schema),
            fast=compile_schema(schema),
        )
    return Contract(kinds)
