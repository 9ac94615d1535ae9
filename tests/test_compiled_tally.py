"""The compiled path counts without building verdicts, and counts the same: the tally made
straight from a compiled query's rows equals the tally of the interpreter's verdicts and the
tally of the compiled verdicts once built, and the ledger made from the rows' scopes equals the
ledger made from the built verdicts — for every bundled rule set on the bundled sample and every
worked example in reports_in/ but the two full-size H examples (345.000 and 100.000 people: the
interpreter takes 8 and 5 minutes over them; their compiled verdicts are held equal to the
interpreter's in tests/test_compiled_differential.py, and the tally's code is the same for
every size).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import spm_rules.engine.compiled.verdicts as compiled_verdicts
from spm_rules.api import default_period_spec, open_register, prepare_data
from spm_rules.engine.compiled import Tables, compile_standard, run
from spm_rules.engine.compiled.verdicts import CompiledVerdicts
from spm_rules.engine.denominators import denominators
from spm_rules.engine.evaluate import evaluate
from spm_rules.engine.period import Period, parse_period
from spm_rules.engine.tally import Tally, tally_verdicts
from spm_rules.examples.juknis import read_manifest
from spm_rules.lang import ast as A
from spm_rules.lang.checker import RuleSet
from spm_rules.lang.loader import load_rules
from spm_rules.model import Register
from spm_rules.report.aggregate import StandardReport, aggregate
from spm_rules.report.ledger import build_ledger

ROOT = Path(__file__).resolve().parents[1]
SETS = sorted(p.name for p in (ROOT / "rules").iterdir() if (p / "00_ruleset.spm").is_file())
EXAMPLES = sorted(p for d in ("contoh-juknis", "contoh-2019") for p in (ROOT / "reports_in" / d).iterdir())
SAMPLE = ROOT / "reports_in" / "sample"


@pytest.fixture(scope="module")
def rule_sets() -> dict[str, RuleSet]:
    return {name: load_rules(ROOT / "rules" / name) for name in SETS}


def _register(folder: Path, rs: RuleSet) -> tuple[Register, str]:
    source = prepare_data(folder)
    register = open_register(source, rs.contract)
    return register, source.period or default_period_spec(register)


def _report(rs: RuleSet, std: A.Standard, register: Register, period: Period, verdicts, tally: Tally):
    return aggregate(std, verdicts, denominators(rs, std, register, period, tally), period, tally)


def _rows(report: StandardReport) -> list[tuple]:
    return [
        (
            r.facility,
            r.subjects,
            r.numerator,
            r.denominator,
            r.source,
            list(r.failing.items()),
            list(r.informative.items()),
            r.counted_keys,
            r.not_counted_keys,
        )
        for r in [*report.rows, report.total]
    ]


def assert_same_counts(rs: RuleSet, register: Register, spec: str, standards: list[A.Standard]) -> int:
    """Per standard: the compiled rows' tally equals the interpreter's and the built verdicts';
    over all of them: the same ledger from the rows' scopes as from the built verdicts."""
    lazy, built = [], []
    grouped: list[bool] = []  # whether DuckDB grouped each standard's subjects (`_scope_groups`)
    subjects = 0
    tables = Tables(register)
    try:
        for std in standards:
            period = parse_period(spec, std.period_kind or "year")
            reference = evaluate(rs, std, register, period)
            compiled = run(compile_standard(rs, std, period), tables)
            assert isinstance(compiled, CompiledVerdicts)
            expected = tally_verdicts(reference)
            assert compiled.tally() == expected, std.id
            grouped.append(compiled._groups is not None)
            assert tally_verdicts(list(compiled)) == expected, std.id
            report = _report(rs, std, register, period, compiled, compiled.tally())
            assert _rows(report) == _rows(_report(rs, std, register, period, reference, expected)), std.id
            assert (report.out_of_period, report.out_of_population) == (
                expected.out_of_period,
                expected.out_of_population,
            )
            lazy.append(report)
            # the same tally walking the rows a subject at a time (no groups from DuckDB)
            walked = CompiledVerdicts(compiled.compiled, register, compiled._rows, compiled._linked_used)
            assert walked.tally() == expected, std.id
            assert _rows(_report(rs, std, register, period, walked, walked.tally())) == _rows(report), std.id
            built.append(_report(rs, std, register, period, list(compiled), tally_verdicts(list(compiled))))
            subjects += len(compiled)
    finally:
        tables.close()
    from_rows, from_verdicts = build_ledger(register, lazy), build_ledger(register, built)
    assert from_rows.rows == from_verdicts.rows
    assert from_rows.files == from_verdicts.files and from_rows.balanced
    assert any(grouped)
    return subjects


@pytest.mark.parametrize("set_name", SETS)
def test_bundled_sample_every_standard(rule_sets, set_name):
    rs = rule_sets[set_name]
    register, spec = _register(SAMPLE, rs)
    assert assert_same_counts(rs, register, spec, list(rs.standards.values())) > 0


@pytest.mark.parametrize(
    "folder",
    [pytest.param(p, id=f"{p.parent.name}/{p.name}") for p in EXAMPLES if p.name != "H"],
)
def test_worked_example_under_every_set(rule_sets, folder):
    """The example's standard under every bundled set that has it (one register, read once)."""
    standard = read_manifest(folder).standard
    chosen = [(rs, rs.standards[standard]) for rs in rule_sets.values() if standard in rs.standards]
    assert chosen
    register, spec = _register(folder, chosen[0][0])
    assert sum(assert_same_counts(rs, register, spec, [std]) for rs, std in chosen) >= 100


def test_counts_and_ledger_build_no_verdict(rule_sets, monkeypatch):
    """The tally and the ledger read the rows; a `Verdict` is built only when one is read."""
    rs = rule_sets["permenkes-43-2016"]
    register, spec = _register(SAMPLE, rs)
    std = rs.standards["ibu_hamil"]
    period = parse_period(spec, std.period_kind or "year")
    tables = Tables(register)
    try:
        compiled = run(compile_standard(rs, std, period), tables)
    finally:
        tables.close()

    def refuse(**_fields):
        raise AssertionError("a Verdict was built")

    with monkeypatch.context() as m:
        m.setattr(compiled_verdicts, "Verdict", refuse)
        tally = compiled.tally()
        ledger = build_ledger(register, [_report(rs, std, register, period, compiled, tally)])
    assert ledger.balanced and tally.facilities
    assert compiled[0].subject == next(iter(compiled)).subject and len(compiled[:2]) == 2


def test_keys_that_need_escaping_count_the_same(rule_sets, tmp_path):
    """Subjects' keys holding a double quote (which could hide the separator of the keys
    DuckDB joins: such a standard's tally walks the rows), a backslash, a tab, a comma and
    a space, or a letter not ASCII: the compiled tally still equals the interpreter's."""
    import csv
    import io
    import shutil

    odd = {"KH-2018-01": 'KH"01', "KH-2018-02": "KH\\02", "KH-2018-03": "KHé03", "KH-2018-04": "KH\t04"}
    odd["KH-2018-05"] = 'KH", "05'
    folder = tmp_path / "data"
    shutil.copytree(SAMPLE, folder)
    changed = 0
    for path in folder.glob("*.csv"):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        new = [[odd.get(c, c) for c in row] for row in rows]
        if new != rows:
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(new)
            path.write_text(out.getvalue(), encoding="utf-8")
            changed += 1
    assert changed
    for rs in rule_sets.values():
        register, spec = _register(folder, rs)
        assert assert_same_counts(rs, register, spec, list(rs.standards.values())) > 0
