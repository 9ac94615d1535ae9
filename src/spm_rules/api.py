"""The small public API: load rules, read registers, evaluate, aggregate.

The CLI is a thin layer over these functions; tests and notebooks call them directly.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .engine.evaluate import evaluate, find_subjects
from .engine.period import Period, parse_period
from .engine.verdict import Verdict
from .examples.juknis import manifest_period, materialize
from .lang import ast as A
from .lang.checker import RuleSet
from .lang.loader import load_rules
from .registers.readers import Register, read_folder
from .report.aggregate import StandardReport, aggregate
from .report.ledger import Ledger, build_ledger


class UnknownStandard(LookupError):
    pass


class LedgerUnbalanced(RuntimeError):
    """Rows read != used + out of scope + rejected: numbers would not be trustworthy."""

    def __init__(self, ledger: Ledger):
        bad = [f for f in ledger.files if not f.balanced]
        super().__init__(
            "; ".join(f"{f.file}: {f.read} dibaca != {f.used} + {f.out_of_scope} + {f.rejected}" for f in bad)
        )
        self.ledger = ledger


@dataclass
class CheckResult:
    rules: RuleSet
    register: Register
    reports: list[StandardReport]
    in_force: bool
    ledger: Ledger
    period_spec: str = ""
    period_source: str = "option"  # "option" (--period), "manifest" (contoh.yaml) or "data"


def open_register(
    data: Path, contract=None, mapping: Path | None = None, today: dt.date | None = None
) -> Register:
    """Read a data folder; a worked-example folder (contoh.yaml) is generated on first use."""
    source = materialize(data)
    also = (data,) if source != data else ()
    return read_folder(source, contract, mapping, today, also)


def default_period_spec(register: Register) -> str:
    """The calendar year that holds most service dates (sasaran tables excluded).

    A register exported for one year usually spills a little into the next (a pregnancy that
    ends in January); the year with most dates is the year it was exported for.
    """
    years: Counter[int] = Counter()
    for kind_name, recs in register.records.items():
        kind = register.contract.kinds[kind_name]
        if kind.date_field is None:
            continue
        for rec in recs:
            d = rec.get(kind.date_field)
            if d is not None:
                years[d.year] += 1
    if not years:
        return str(dt.date.today().year)
    best = max(years.values())
    return str(max(y for y, n in years.items() if n == best))


def in_force(rs: RuleSet, period: Period) -> bool:
    h = rs.header
    return (h.effective_from is None or period.end >= h.effective_from) and (
        h.effective_to is None or period.start <= h.effective_to
    )


def select_standards(rs: RuleSet, ids: list[str] | None) -> list[A.Standard]:
    if not ids:
        return list(rs.standards.values())
    out = []
    for sid in ids:
        std = rs.standard(sid)
        if std is None:
            raise UnknownStandard(sid)
        out.append(std)
    return out


def run_check(
    rules: Path,
    data: Path,
    period_spec: str | None = None,
    standards: list[str] | None = None,
    mapping: Path | None = None,
    today: dt.date | None = None,
) -> CheckResult:
    """Load, read, evaluate, aggregate; raise `LedgerUnbalanced` rather than report numbers
    that do not account for every row read."""
    rs = load_rules(rules)
    register = open_register(data, rs.contract, mapping, today)
    source = "option" if period_spec else "manifest" if manifest_period(data) else "data"
    spec = period_spec or manifest_period(data) or default_period_spec(register)
    reports = []
    force = True
    for std in select_standards(rs, standards):
        period = parse_period(spec, std.period_kind or "year")
        force = force and in_force(rs, period)
        verdicts = evaluate(rs, std, register, period)
        reports.append(aggregate(std, verdicts, register, period))
    ledger = build_ledger(register, reports)
    if not ledger.balanced:
        raise LedgerUnbalanced(ledger)
    return CheckResult(rs, register, reports, force, ledger, spec, source)


def explain_subject(
    rs: RuleSet,
    register: Register,
    std: A.Standard,
    key: str,
    period_spec: str | None,
    data: Path | None = None,
) -> Verdict | None:
    recs = find_subjects(std, register, key)
    if not recs:
        return None
    spec = period_spec or (manifest_period(data) if data else None) or default_period_spec(register)
    period = parse_period(spec, std.period_kind or "year")
    verdicts = evaluate(rs, std, register, period, recs)
    # the subject's record that is in scope for this period, if any (e.g. this school year)
    return next((v for v in verdicts if v.in_population), verdicts[0])
