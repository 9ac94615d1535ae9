"""The small public API: load rules, read registers, evaluate, aggregate.

The CLI is a thin layer over these functions; tests and notebooks call them directly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .engine.denominators import denominators
from .engine.evaluate import evaluate, find_subjects
from .engine.period import Period, parse_period
from .engine.verdict import Verdict
from .examples.juknis import prepare_example
from .lang import ast as A
from .lang.checker import RuleSet
from .lang.loader import load_rules
from .limits import DEFAULT_LIMITS, Limits
from .messages import BilingualError
from .model import Register
from .registers.readers import read_folder
from .report.aggregate import StandardReport, aggregate
from .report.ledger import Ledger, build_ledger


class UnknownStandard(BilingualError):
    def __init__(self, sid: str, known: list[str]):
        super().__init__(
            f"standar tidak dikenal: {sid} (ada: {', '.join(known)})",
            f"unknown standard: {sid} (known: {', '.join(known)})",
        )
        self.sid = sid


class LedgerUnbalanced(BilingualError):
    """Rows read != used + out of scope + rejected: numbers would not be trustworthy."""

    def __init__(self, ledger: Ledger):
        bad = [f for f in ledger.files if not f.balanced]
        detail = "; ".join(f"{f.file}: {f.read} != {f.used} + {f.out_of_scope} + {f.rejected}" for f in bad)
        super().__init__(
            f"buku catatan baris tidak seimbang, laporan tidak dibuat: {detail}",
            f"the row ledger does not balance, no report is made: {detail}",
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
    inputs: tuple[tuple[str, str], ...] = ()  # (file as shown, sha256) of every input file read


@dataclass(frozen=True)
class DataSource:
    """A data folder made ready before the pipeline runs: a worked example's registers are
    generated (once, into the cache) and its manifest read once, here."""

    folder: Path  # what the readers read
    also: tuple[Path, ...] = ()  # read with it (a worked example's committed sasaran table)
    period: str | None = None  # the period a worked example is stated for


def prepare_data(data: Path | DataSource) -> DataSource:
    if isinstance(data, DataSource):
        return data
    example = prepare_example(data)
    if example is None:
        return DataSource(data)
    folder, period = example
    return DataSource(folder, (data,), period)


def open_register(
    data: Path | DataSource,
    contract=None,
    mapping: Path | None = None,
    today: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Register:
    """Read a data folder (a worked example's registers are generated on first use)."""
    source = prepare_data(data)
    return read_folder(source.folder, contract, mapping, today, source.also, limits)


def input_digests(register: Register) -> tuple[tuple[str, str], ...]:
    """The SHA-256 of every file the register was read from (a workbook once, not per sheet),
    so that a report says exactly which inputs produced its numbers."""
    out: dict[str, str] = {}
    for name, _kind in register.sources:
        file = name.split("[", 1)[0] if name.endswith("]") else name
        if file in out or "#" in file:
            continue
        try:
            out[file] = hashlib.sha256(Path(file).read_bytes()).hexdigest()
        except OSError:
            out[file] = "?"
    return tuple(sorted(out.items()))


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
            raise UnknownStandard(sid, list(rs.standards))
        out.append(std)
    return out


def run_check(
    rules: Path,
    data: Path | DataSource,
    period_spec: str | None = None,
    standards: list[str] | None = None,
    mapping: Path | None = None,
    today: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> CheckResult:
    """Load, read, evaluate, aggregate; raise `LedgerUnbalanced` rather than report numbers
    that do not account for every row read."""
    rs = load_rules(rules, limits=limits)
    source = prepare_data(data)
    register = open_register(source, rs.contract, mapping, today, limits)
    origin = "option" if period_spec else "manifest" if source.period else "data"
    spec = period_spec or source.period or default_period_spec(register)
    reports = []
    force = True
    for std in select_standards(rs, standards):
        period = parse_period(spec, std.period_kind or "year")
        force = force and in_force(rs, period)
        verdicts = evaluate(rs, std, register, period)
        reports.append(aggregate(std, verdicts, denominators(rs, std, register, period, verdicts), period))
    ledger = build_ledger(register, reports)
    if not ledger.balanced:
        raise LedgerUnbalanced(ledger)
    return CheckResult(rs, register, reports, force, ledger, spec, origin, input_digests(register))


def explain_subject(
    rs: RuleSet,
    register: Register,
    std: A.Standard,
    key: str,
    period_spec: str | None,
    data: Path | DataSource | None = None,
) -> Verdict | None:
    recs = find_subjects(std, register, key)
    if not recs:
        return None
    stated = prepare_data(data).period if data is not None else None
    spec = period_spec or stated or default_period_spec(register)
    period = parse_period(spec, std.period_kind or "year")
    verdicts = evaluate(rs, std, register, period, recs)
    # the subject's record that is in scope for this period, if any (e.g. this school year)
    return next((v for v in verdicts if v.in_population), verdicts[0])
