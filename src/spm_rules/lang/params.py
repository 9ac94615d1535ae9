"""Overriding a rule set's parameters (`param`) for one run: `--param anc_tm1=2`, or `params:`
in a rule test. The new value must be a literal of the same type as the declared one, so the
checked rule set stays checked; what a report shows is the value the run used."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ..messages import BilingualError
from . import ast as A
from .checker import RuleSet
from .errors import Span


class ParamError(BilingualError):
    pass


def _declared_kind(d: A.Define) -> str:
    body = d.body
    if isinstance(body, A.Unary) and isinstance(body.operand, A.Literal):
        return body.operand.kind
    return body.kind if isinstance(body, A.Literal) else "set"


def _literal(name: str, kind: str, raw: Any, span: Span) -> A.Literal:
    text = str(raw).strip()
    try:
        if kind == "number":
            if isinstance(raw, bool):
                raise InvalidOperation
            return A.Literal(Decimal(text.replace(",", ".")), "number", span, text)
        if kind == "date":
            day = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(text)
            return A.Literal(day, "date", span, day.isoformat())
        if kind == "bool":
            value = {"true": True, "ya": True, "false": False, "tidak": False}[text.lower()]
            return A.Literal(value, "bool", span, text)
        if kind == "string":
            return A.Literal(text.strip('"'), "string", span, None)
    except (InvalidOperation, ValueError, KeyError):
        pass
    kind_id = {"number": "angka", "date": "tanggal", "bool": "ya/tidak", "string": "teks"}.get(kind, kind)
    raise ParamError(
        f"nilai param '{name}' harus {kind_id}: {text!r}",
        f"the value of param '{name}' must be a {kind}: {text!r}",
    )


def with_params(rs: RuleSet, overrides: Mapping[str, Any]) -> RuleSet:
    """The rule set with some parameters set to other literals of their type."""
    if not overrides:
        return rs
    params = rs.params
    defines = dict(rs.defines)
    for name, raw in overrides.items():
        d = params.get(name)
        if d is None:
            known = ", ".join(params) or "-"
            raise ParamError(
                f"rule set {rs.name} tidak punya param '{name}' (ada: {known})",
                f"rule set {rs.name} has no param '{name}' (it has: {known})",
            )
        defines[name] = dataclasses.replace(d, body=_literal(name, _declared_kind(d), raw, d.span))
    return dataclasses.replace(rs, defines=defines)


def parse_pairs(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`NAME=VALUE` pairs from the command line."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ParamError(f"--param harus NAMA=NILAI: {pair!r}", f"--param must be NAME=VALUE: {pair!r}")
        out[name.strip()] = value.strip()
    return out
