"""The small public API: load rules, read registers, evaluate, aggregate.

The CLI is a thin layer over these functions; tests and notebooks call them directly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .engine.compiled import Evaluation, Fallback, compile_standard, printable
from .engine.denominators import denominators
from .engine.evaluate import evaluate
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

# (stage, done, total): "read" per file, "evaluate" per standard; the CLI draws it, or not
Progress = Callable[[str, int, int], None]


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
    fallbacks: tuple[Fallback, ...] = ()  # standards the interpreter evaluated instead of the compiled query


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
    progress: Progress | None = None,
) -> Register:
    """Read a data folder (a worked example's registers are generated on first use)."""
    source = prepare_data(data)
    return read_folder(source.folder, contract, mapping, today, source.also, limits, progress)


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
    progress: Progress | None = None,
    engine: str = "auto",
) -> CheckResult:
    """Load, read, evaluate (compiled to DuckDB where possible, see `engine.compiled`),
    aggregate; raise `LedgerUnbalanced` rather than report numbers that do not account for
    every row read."""
    rs = load_rules(rules, limits=limits)
    source = prepare_data(data)
    register = open_register(source, rs.contract, mapping, today, limits, progress)
    origin = "option" if period_spec else "manifest" if source.period else "data"
    spec = period_spec or source.period or default_period_spec(register)
    reports = []
    force = True
    chosen = select_standards(rs, standards)
    evaluation = Evaluation(rs, register, engine)  # one DuckDB session, closed when collected too
    for i, std in enumerate(chosen, start=1):
        if progress is not None:
            progress("evaluate", i, len(chosen))
        period = parse_period(spec, std.period_kind or "year")
        force = force and in_force(rs, period)
        verdicts = evaluation.verdicts(std, period)
        reports.append(aggregate(std, verdicts, denominators(rs, std, register, period, verdicts), period))
    evaluation.close()
    ledger = build_ledger(register, reports)
    if not ledger.balanced:
        raise LedgerUnbalanced(ledger)
    fallbacks = tuple(evaluation.fallbacks)
    return CheckResult(rs, register, reports, force, ledger, spec, origin, input_digests(register), fallbacks)


def compiled_sql(rules: Path, standard: str, period_spec: str, dialect: str = "duckdb") -> str:
    """The compiled query of one standard for a period, as text in a SQL dialect."""
    rs = load_rules(rules)
    std = select_standards(rs, [standard])[0]
    return printable(compile_standard(rs, std, parse_period(period_spec, std.period_kind or "year")), dialect)


def _period_for(std: A.Standard, register: Register, period_spec: str | None, data) -> Period:
    stated = prepare_data(data).period if data is not None else None
    spec = period_spec or stated or default_period_spec(register)
    return parse_period(spec, std.period_kind or "year")


def _names_person(rec, kind, key: str) -> bool:
    """A subject record names the person `key`: by its own key, its NIK, its person id
    (`fasilitas#id_lokal`) or its local id."""
    if kind.key and str(rec.get(kind.key)) == key:
        return True
    return any(str(rec.get(f)) == key for f in ("nik", "id_orang", "id_lokal") if rec.get(f) is not None)


def explain_person(
    rs: RuleSet,
    register: Register,
    key: str,
    period_spec: str | None,
    data: Path | DataSource | None = None,
    standards: list[str] | None = None,
) -> list[tuple[A.Standard, Verdict]]:
    """Every standard in which the person (NIK, local id or subject key) is a subject in the
    period — all their pregnancies for ANC — with the verdict of each; subjects out of scope
    are listed only when the person is in scope nowhere."""
    found: list[tuple[A.Standard, list[Verdict]]] = []
    for std in select_standards(rs, standards):
        kind = register.contract.kinds.get(std.subject_kind or "")
        if kind is None:
            continue
        recs = [r for r in register.of_kind(kind.name) if _names_person(r, kind, key)]
        if recs:
            period = _period_for(std, register, period_spec, data)
            verdicts = evaluate(rs, std, register, period, recs)
            found.append((std, [v for v in verdicts if v.in_population] or verdicts[:1]))
    if any(v.in_population for _std, vs in found for v in vs):
        found = [(std, vs) for std, vs in found if vs[0].in_population]
    return [(std, v) for std, vs in found for v in vs]


def closest_people(register: Register, key: str, limit: int = 5) -> list[str]:
    """NIKs that may be the one meant: the same birth-date digits (7-12), or one digit off."""
    if not (key.isdigit() and len(key) == 16):
        return []
    niks = sorted({str(r.get("nik")) for recs in register.records.values() for r in recs if r.get("nik")})
    one_off = [n for n in niks if len(n) == 16 and sum(a != b for a, b in zip(n, key, strict=True)) == 1]
    same_birth = [n for n in niks if n[6:12] == key[6:12] and n not in one_off]
    return (one_off + same_birth)[:limit]
