"""What every report says about the rules behind its numbers: which rule set (regulation,
version, status, dates in force), why it was chosen, and the values of its parameters.

Auditors must know which rules produced a number; a provisional set says so in every output.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..lang.checker import RuleSet
from ..lang.library import Choice
from ..lang.printer import to_source
from ..model import Reason
from .catalogue import label, say


@dataclass(frozen=True)
class RuleSetStamp:
    name: str
    title: str | None
    title_en: str | None
    regulation: str | None
    version: str | None
    status: str  # "final" | "provisional"
    effective_from: dt.date | None
    effective_to: dt.date | None
    in_force: bool
    chosen: Reason | None  # why this set of a library (None: the rules folder was given)
    also: Reason | None  # other sets in force for part of the period
    params: tuple[tuple[str, str, str], ...]  # (name, label, value as written)

    @property
    def provisional(self) -> bool:
        return self.status == "provisional"

    def line(self, lang: str) -> str:
        """`spm_2024 (Permenkes 6/2024, versi 2024, SEMENTARA, berlaku 2024-04-03 s.d. -)`."""
        bits = [self.regulation or ""]
        if self.version:
            bits.append(f"{label('version', lang)} {self.version}")
        bits.append(label(f"status_{self.status}", lang))
        if self.effective_from or self.effective_to:
            start = self.effective_from.isoformat() if self.effective_from else "-"
            end = self.effective_to.isoformat() if self.effective_to else "-"
            bits.append(f"{label('effective', lang)} {start} {label('until', lang)} {end}")
        return f"{self.name} ({', '.join(b for b in bits if b)})"

    def why(self, lang: str) -> list[str]:
        return [say(r, lang) for r in (self.chosen, self.also) if r is not None]

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "title_en": self.title_en,
            "regulation": self.regulation,
            "version": self.version,
            "status": self.status,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "in_force": self.in_force,
            "chosen": None if self.chosen is None else self.chosen.code.rsplit(".", 1)[-1],
            "params": [{"name": n, "label": lab, "value": v} for n, lab, v in self.params],
        }


def stamp_of(rs: RuleSet, choice: Choice | None, in_force: bool, period: str) -> RuleSetStamp:
    h = rs.header
    chosen = also = None
    if choice is not None:
        chosen = Reason.of(f"ruleset.chosen.{choice.reason}", period=period)
        if choice.also_in_force:
            others = ", ".join(i.header.regulation or i.name for i in choice.also_in_force)
            also = Reason.of("ruleset.also", period=period, others=others)
    params = tuple((d.name, d.label or d.name, to_source(d.body)) for d in rs.params.values())
    return RuleSetStamp(
        rs.name,
        h.title,
        h.title_en,
        h.regulation,
        h.version,
        h.status or "final",
        h.effective_from,
        h.effective_to,
        in_force,
        chosen,
        also,
        params,
    )
