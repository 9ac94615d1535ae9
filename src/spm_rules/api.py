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

from .engine import compiled
from .engine.denominators import denominators
from .engine.evaluate import evaluate
from .engine.period import Period, parse_period
from .engine.tally import tally_verdicts
from .engine.verdict import Verdict
from .examples.juknis import prepare_example
from .lang import ast as A
from .lang.checker import RuleSet
from .lang.library import Choice, choose, discover
from .lang.loader import load_rules
from .lang.params import with_params
from .limits import DEFAULT_LIMITS, Limits
from .messages import BilingualError
from .model import Register, field_column
from .registers.contract import load_contract
from .registers.prefilter import SliceTooWide
from .registers.readers import index_folder, index_status, read_folder, read_subject
from .report.aggregate import StandardReport, aggregate
from .report.compare import ServiceDiff, compare_reports
from .report.ledger import Ledger, build_ledger
from .report.stamp import RuleSetStamp, stamp_of

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
    choice: Choice | None = None  # which set of a library, and why (None: one folder was given)

    # standards the interpreter evaluated instead of the compiled query
    fallbacks: tuple[compiled.Fallback, ...] = ()

    @property
    def stamp(self) -> RuleSetStamp:
        """What every report says about the rules that produced its numbers."""
        return stamp_of(self.rules, self.choice, self.in_force, self.period_spec)


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
    kinds: frozenset[str] | None = None,
) -> Register:
    """Read a data folder (a worked example's registers are generated on first use); with
    `kinds`, only the files those kinds need (`read_folder`)."""
    source = prepare_data(data)
    return read_folder(source.folder, contract, mapping, today, source.also, limits, progress, kinds)


def open_subject_register(
    data: Path | DataSource, key: str, contract=None, limits: Limits = DEFAULT_LIMITS
) -> Register:
    """The registers of one subject only (`explain` at city scale): the rows that share one of
    its identifiers, read exactly as a full read reads them; the full read when they are many."""
    source = prepare_data(data)
    try:
        return read_subject(source.folder, key, contract, also=source.also, limits=limits)
    except SliceTooWide:
        return open_register(source, contract, limits=limits)


def index_data(data: Path | DataSource, mapping: Path | None = None, limits: Limits = DEFAULT_LIMITS):
    """Build a data folder's identifier index (`spm-rules index`): `explain` then looks a
    subject's rows up instead of searching every file."""
    source = prepare_data(data)
    return index_folder(source.folder, load_contract(), mapping, source.also, limits)


def unindex_data(data: Path | DataSource) -> bool:
    """Delete a data folder's identifier index; False when it had none."""
    from .registers.idindex import remove

    return remove(prepare_data(data).folder)


def index_advice(data: Path | DataSource, sliced: bool = True) -> tuple[str, str] | None:
    """What `explain` should say before it reads (id, en): that a large folder is read whole
    without a period (`sliced` False), that it has no index, or which files its index no longer
    covers; None when there is nothing to say."""
    from .registers.idindex import LARGE

    source = prepare_data(data)
    if not source.folder.is_dir():
        return None  # the read says so, once
    state = index_status(source.folder, source.also)
    folder = str(source.folder)
    if not sliced:
        if state.csv_bytes < LARGE:
            return None
        mib = state.csv_bytes // (1024 * 1024)
        return (
            f"tanpa --period semua register ({mib} MiB CSV) dibaca untuk menentukan periode; "
            "tambahkan --period TAHUN agar hanya baris subjek ini yang dibaca",
            f"without --period every register ({mib} MiB of CSV) is read to choose the period; "
            "add --period YEAR to read only this subject's rows",
        )
    if state.unusable:
        return (
            f"indeks pengenal folder ini dibuat oleh versi lain atau rusak, dan tidak dipakai; "
            f"jalankan lagi 'spm-rules index --data {folder}'",
            f"this folder's identifier index was made by another version or is damaged, and is not "
            f"used; run 'spm-rules index --data {folder}' again",
        )
    if not state.exists:
        if state.csv_bytes < LARGE:
            return None
        mib = state.csv_bytes // (1024 * 1024)
        return (
            f"petunjuk: {mib} MiB CSV dicari per bita untuk setiap pengenal; "
            f"'spm-rules index --data {folder}' membuat explain jauh lebih cepat",
            f"hint: {mib} MiB of CSV are searched byte by byte for each identifier; "
            f"'spm-rules index --data {folder}' makes explain much faster",
        )
    if state.stale:
        names = ", ".join(state.stale[:5]) + (" …" if len(state.stale) > 5 else "")
        return (
            f"indeks pengenal usang untuk {len(state.stale)} file ({names}): file itu dicari per bita; "
            f"jalankan lagi 'spm-rules index --data {folder}'",
            f"the identifier index is out of date for {len(state.stale)} file(s) ({names}): they are "
            f"searched byte by byte; run 'spm-rules index --data {folder}' again",
        )
    return None


def input_digests(register: Register) -> tuple[tuple[str, str], ...]:
    """The SHA-256 of every file the register was read from (a workbook once, not per sheet),
    so that a report says exactly which inputs produced its numbers: the bytes read where
    the reader hashed them (`Register.digests`), else the file as it is now."""
    out: dict[str, str] = {}
    for name, _kind in register.sources:
        file = name.split("[", 1)[0] if name.endswith("]") else name
        if file in out or "#" in file:
            continue
        if file in register.digests:
            out[file] = register.digests[file]
            continue
        try:
            out[file] = hashlib.sha256(Path(register.paths.get(file, file)).read_bytes()).hexdigest()
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
        # a column at a time (`field_column`: a kind's records are not made to be counted)
        for d in field_column(recs, kind.date_field):
            if d is not None:
                years[d.year] += 1
    if not years:
        return str(dt.date.today().year)
    best = max(years.values())
    return str(max(y for y, n in years.items() if n == best))


def kinds_read(standards: list[A.Standard]) -> frozenset[str]:
    """The record kinds the standards read: each one's subjects, the records it links to them,
    and the sasaran table (its denominators). The interpreter and the compiled queries read
    no other kind (`Register.of_kind`)."""
    out = {"sasaran"}
    for std in standards:
        if std.subject_kind:
            out.add(std.subject_kind)
        out.update(link.kind for link in std.links)
    return frozenset(out)


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


def choose_rule_set(
    rules: Path, rule_set: str | None, spec: str, limits: Limits = DEFAULT_LIMITS
) -> tuple[Path, Choice | None]:
    """The set folder to load: `rules` itself when it is one set, else the set of the library
    named by `rule_set`, or in force for the period `spec`."""
    infos = discover([rules], limits)
    if not infos or (len(infos) == 1 and infos[0].folder.resolve() == rules.resolve() and not rule_set):
        return rules, None
    year = parse_period(spec, "year")
    choice = choose(infos, rule_set, year.start, year.end)
    return choice.info.folder, choice


def rules_for(
    rules: Path,
    rule_set: str | None,
    spec: str,
    limits: Limits = DEFAULT_LIMITS,
    params: dict[str, str] | None = None,
) -> tuple[RuleSet, Choice | None]:
    """The chosen set, loaded and checked, with any parameter set for this run."""
    folder, choice = choose_rule_set(rules, rule_set, spec, limits)
    return with_params(load_rules(folder, limits=limits), params or {}), choice


def period_spec_for(register: Register, period_spec: str | None, data: Path | DataSource) -> str:
    """The period asked for, else the worked example's, else the year with most records."""
    return period_spec or prepare_data(data).period or default_period_spec(register)


def _read_for_period(
    data: Path | DataSource,
    period_spec: str | None,
    mapping: Path | None,
    today: dt.date | None,
    limits: Limits,
    progress: Progress | None,
    kinds: frozenset[str] | None = None,
) -> tuple[Register, str, str]:
    """The registers (read before any rule set is chosen: the contract is one for all), the
    period, and where the period came from: --period, the example's manifest, or the data."""
    source = prepare_data(data)
    register = open_register(source, load_contract(), mapping, today, limits, progress, kinds)
    origin = "option" if period_spec else "manifest" if source.period else "data"
    return register, period_spec_for(register, period_spec, source), origin


def run_check(
    rules: Path,
    data: Path | DataSource,
    period_spec: str | None = None,
    standards: list[str] | None = None,
    mapping: Path | None = None,
    today: dt.date | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: Progress | None = None,
    rule_set: str | None = None,
    params: dict[str, str] | None = None,
    engine: str = "auto",
) -> CheckResult:
    """Read, choose the rule set (the one named, or the one in force for the period), load,
    evaluate (compiled to DuckDB where possible, see `engine.compiled`), aggregate; raise
    `LedgerUnbalanced` rather than report numbers that do not account for every row read.

    With `standards` named and the period known before reading (`--period`, an example's
    manifest), only the files of the kinds they read are read (`kinds_read`); every other
    file is named in the ledger as not read. Otherwise every file is read: a full check
    validates the whole folder, and a period taken from the data needs all of it."""
    source = prepare_data(data)
    spec_before = period_spec or source.period
    kinds = None
    if standards and spec_before:
        rs, choice = rules_for(rules, rule_set, spec_before, limits, params)
        kinds = kinds_read(select_standards(rs, standards))
    register, spec, origin = _read_for_period(source, period_spec, mapping, today, limits, progress, kinds)
    if kinds is None:
        rs, choice = rules_for(rules, rule_set, spec, limits, params)
    reports, force, fallbacks = evaluate_set(
        rs, register, spec, select_standards(rs, standards), progress, engine
    )
    ledger = build_ledger(register, reports)
    if not ledger.balanced:
        raise LedgerUnbalanced(ledger)
    digests = input_digests(register)
    return CheckResult(rs, register, reports, force, ledger, spec, origin, digests, choice, fallbacks)


def evaluate_set(
    rs: RuleSet,
    register: Register,
    spec: str,
    chosen: list[A.Standard],
    progress: Progress | None = None,
    engine: str = "auto",
) -> tuple[list[StandardReport], bool, tuple[compiled.Fallback, ...]]:
    """Each standard evaluated and aggregated for the period; whether the set is in force; the
    standards the interpreter evaluated instead of the compiled query, and why."""
    reports = []
    force = True
    evaluation = compiled.Evaluation(rs, register, engine)
    evaluation.plan([(std, parse_period(spec, std.period_kind or "year")) for std in chosen])
    try:
        for i, std in enumerate(chosen, start=1):
            if progress is not None:
                progress("evaluate", i, len(chosen))
            period = parse_period(spec, std.period_kind or "year")
            force = force and in_force(rs, period)
            verdicts = evaluation.verdicts(std, period)
            tally = tally_verdicts(verdicts)  # the compiled path's, from its query rows
            denoms = denominators(rs, std, register, period, tally)
            reports.append(aggregate(std, verdicts, denoms, period, tally))
    finally:
        evaluation.close()
    return reports, force, tuple(evaluation.fallbacks)


@dataclass
class DiffResult:
    """The same registers under two rule sets: per service the two reports, and what changed."""

    before: CheckResult
    after: CheckResult
    services: list[ServiceDiff]


def run_diff(
    rules: Path,
    rule_set_from: str,
    rule_set_to: str,
    data: Path | DataSource,
    period_spec: str | None = None,
    standards: list[str] | None = None,
    mapping: Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: Progress | None = None,
    params: dict[str, str] | None = None,
    engine: str = "auto",
) -> DiffResult:
    """Read once, evaluate under both sets, compare subject by subject."""
    register, spec, origin = _read_for_period(data, period_spec, mapping, None, limits, progress)
    results = []
    for wanted in (rule_set_from, rule_set_to):
        # a parameter applies to each set that declares it
        rs, choice = rules_for(rules, wanted, spec, limits)
        rs = with_params(rs, {k: v for k, v in (params or {}).items() if k in rs.params})
        known = [sid for sid in standards or [] if rs.standard(sid) is not None]
        if standards and not known:
            raise UnknownStandard(standards[0], list(rs.standards))
        chosen = select_standards(rs, known or None)
        reports, force, fallbacks = evaluate_set(rs, register, spec, chosen, progress, engine)
        ledger = build_ledger(register, reports)
        digests = input_digests(register)
        results.append(
            CheckResult(rs, register, reports, force, ledger, spec, origin, digests, choice, fallbacks)
        )
    before, after = results
    return DiffResult(before, after, compare_reports(before.reports, after.reports))


def compiled_sql(
    rules: Path, standard: str, period_spec: str, dialect: str = "duckdb", rule_set: str | None = None
) -> str:
    """The compiled query of one standard for a period, as text in a SQL dialect."""
    rs, _choice = rules_for(rules, rule_set, period_spec)
    std = select_standards(rs, [standard])[0]
    period = parse_period(period_spec, std.period_kind or "year")
    # DuckDB's own functions where the query runs on it; another dialect's standard SQL
    query = compiled.compile_standard(rs, std, period, portable=dialect != "duckdb")
    return compiled.printable(query, dialect)


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
