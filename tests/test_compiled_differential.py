"""One meaning: the compiled DuckDB path and the reference interpreter give every subject the
same verdict — in period, in population, counted, facility, and the status of every criterion
and group (so the same failed criteria) — on every rule test case, every worked example (the
full-size H only with the slow tests), the bundled sample and generated registers.

Which standards compile is asserted here too: all twelve of Permenkes 43/2016 compile today; a
standard that stops compiling fails `test_every_bundled_standard_compiles_or_falls_back_as_declared`
instead of silently falling back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from itertools import compress
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spm_rules.api import default_period_spec, open_register, prepare_data, run_check
from spm_rules.engine.compiled import (
    NotCompilable,
    Tables,
    compile_standard,
    run,
)
from spm_rules.engine.compiled.functions import NOT_COMPILABLE, SQL_FORMS
from spm_rules.engine.evaluate import evaluate
from spm_rules.engine.period import parse_period
from spm_rules.engine.verdict import NodeResult, Verdict
from spm_rules.lang import ast as A
from spm_rules.lang.builtins import BUILTINS
from spm_rules.lang.checker import RuleSet
from spm_rules.lang.loader import load_rules
from spm_rules.lang.params import with_params
from spm_rules.registers.readers import register_from_tables
from spm_rules.report.aggregate import failed_ids
from spm_rules.resources import bundled_rules

ROOT = Path(__file__).resolve().parents[1]
RULE_TESTS = sorted((ROOT / "rules").glob("*/tests/*.test.yaml"))
EXAMPLES = ROOT / "reports_in" / "contoh-juknis"


def _tree(nodes: tuple[NodeResult, ...]) -> tuple:
    return tuple((n.id, n.status, n.when_value, bool(n.missing), _tree(n.children)) for n in nodes)


def signature(v: Verdict) -> tuple:
    """Everything a report is made of, for one subject."""
    return (
        v.subject,
        v.subject_ref,
        v.in_period,
        v.in_population,
        v.counted,
        v.facility,
        v.period_date,
        tuple(failed_ids(v.criteria)),
        tuple(failed_ids(v.criteria, informative=True)),
        _tree(v.criteria),
        v.linked,
    )


def assert_same(rs, std, register, period, tables: Tables | None = None, portable: bool = False) -> int:
    """The two engines agree on every subject; returns how many subjects were compared.
    `portable`: the query as printed for other dialects (first/last records ranked)."""
    reference = evaluate(rs, std, register, period)
    own = tables is None
    tables = tables or Tables(register)
    try:
        compiled = run(compile_standard(rs, std, period, portable=portable), tables)
    finally:
        if own:
            tables.close()
    assert len(compiled) == len(reference)
    for a, b in zip(compiled, reference, strict=True):
        assert signature(a) == signature(b), f"{std.id} {b.subject}"
    # the records the ledger counts as used, found by DuckDB, are those the links give the
    # subjects in scope (each verdict's links are followed in Python, as the interpreter does)
    used = compiled.used_records()
    assert used is not None
    assert all(
        len(bits) == len(register.of_kind(kind)) and set(bits) <= {0, 1} for kind, bits in used.items()
    )
    got = {rec.ref for kind, bits in used.items() for rec in compress(register.of_kind(kind), bits)}
    assert got == {r for v in compiled if v.in_population for r in (v.subject_ref, *v.linked)}, std.id
    return len(reference)


# ---- the catalogue ---------------------------------------------------------------------------


def test_every_builtin_is_compiled_or_declared_not_compilable():
    assert set(SQL_FORMS) | set(NOT_COMPILABLE) == set(BUILTINS)
    assert not set(SQL_FORMS) & set(NOT_COMPILABLE)


# which bundled standards compile and which fall back to the interpreter (and why): today all
# twelve compile; a standard moved to FALLS_BACK must say why, and check says it on stderr
COMPILED = {
    "ibu_hamil",
    "ibu_bersalin",
    "bayi_baru_lahir",
    "balita",
    "pendidikan_dasar",
    "usia_produktif",
    "usia_lanjut",
    "hipertensi",
    "diabetes_melitus",
    "odgj_berat",
    "tb",
    "hiv_risiko",
}
FALLS_BACK: dict[str, str] = {}


def test_every_bundled_standard_compiles_or_falls_back_as_declared(ruleset):
    assert COMPILED | set(FALLS_BACK) == set(ruleset.standards)
    for std in ruleset.standards.values():
        period = parse_period("2018", std.period_kind or "year")
        if std.id in FALLS_BACK:
            with pytest.raises(NotCompilable, match=FALLS_BACK[std.id]):
                compile_standard(ruleset, std, period)
            continue
        query = compile_standard(ruleset, std, period)
        assert "sc AS (" in query.sql("duckdb") and "_codes" in query.sql("duckdb")


@pytest.mark.parametrize("dialect", ["duckdb", "postgres", "spark"])
def test_queries_print_in_every_dialect(ruleset, dialect):
    std = ruleset.standards["usia_produktif"]
    compiled = compile_standard(ruleset, std, parse_period("2018"))
    text = compiled.sql(dialect, pretty=True)
    assert "t_skrining_ptm" in text and "_codes" in text
    # printed in the register's order; unordered only for a table read in order anyway
    assert text.split()[-3:] == ["ORDER", "BY", "sc._rid"]
    assert "ORDER BY sc._rid" not in compiled.sql(dialect, ordered=False)


def test_a_construct_that_does_not_compile_is_named(ruleset, tmp_path):
    std = ruleset.standards["usia_produktif"]
    # a record compared as a value: meaningful nowhere in SQL, so refused by name
    bad = A.Criterion(
        "x", "x", None, None, None, None, None, (), (), (), None,
        A.Compare("==", A.Name("skrining", std.span), A.Name("skrining", std.span), std.span),
        False, std.span,
    )  # fmt: skip
    odd = A.Standard(**{**{f: getattr(std, f) for f in std.__dataclass_fields__}, "criteria": (bad,)})
    with pytest.raises(NotCompilable) as err:
        compile_standard(ruleset, odd, parse_period("2018"))
    assert "not compilable" in str(err.value) and "usia_produktif" in str(err.value)
    assert "tidak dapat dikompilasi" in err.value.text("id")


# ---- every rule test case --------------------------------------------------------------------


def _strip(value):
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _cases():
    for path in RULE_TESTS:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in doc["cases"]:
            if "data" in case or case.get("skip"):
                continue
            yield pytest.param(path, doc, case, id=f"{path.stem}:{case['name']}")


_SETS: dict[Path, RuleSet] = {}


def _set_of(test_file: Path) -> RuleSet:
    """The rule set a test file sits in (tests/ below the set's folder)."""
    folder = test_file.parent.parent
    if folder not in _SETS:
        _SETS[folder] = load_rules(folder)
    return _SETS[folder]


@pytest.mark.parametrize(("path", "doc", "case"), list(_cases()))
def test_rule_test_case(path, doc, case):
    ruleset = with_params(_set_of(path), _strip(case.get("params") or {}))
    std = ruleset.standards[case.get("standard", doc["standard"])]
    period = parse_period(str(case.get("period", doc["period"])), std.period_kind or "year")
    tables = {**_strip(doc.get("records") or {}), **_strip(case.get("records") or {})}
    register = register_from_tables(tables, f"{path.name}:{case['name']}", ruleset.contract)
    assert assert_same(ruleset, std, register, period) >= 1


# ---- the worked examples and the bundled sample ----------------------------------------------


def _register(folder: Path, ruleset):
    source = prepare_data(folder)
    register = open_register(source, ruleset.contract)
    return register, source.period or default_period_spec(register)


@pytest.mark.parametrize(
    "letter", [pytest.param(x, marks=pytest.mark.slow) if x == "H" else x for x in "ABCDEFGHIJKL"]
)
def test_worked_example(ruleset, letter):
    register, spec = _register(EXAMPLES / letter, ruleset)
    sid = yaml.safe_load((EXAMPLES / letter / "contoh.yaml").read_text(encoding="utf-8"))["standar"]
    std = ruleset.standards[sid]
    assert assert_same(ruleset, std, register, parse_period(spec, std.period_kind or "year")) >= 100


def test_bundled_sample_every_standard(ruleset):
    register, spec = _register(ROOT / "reports_in" / "sample", ruleset)
    tables = Tables(register)
    try:
        for std in ruleset.standards.values():
            assert assert_same(ruleset, std, register, parse_period(spec, std.period_kind or "year"), tables)
    finally:
        tables.close()


def test_auto_leaves_small_registers_to_the_interpreter(monkeypatch):
    import spm_rules.engine.compiled.dispatch as dispatch

    def unused(rs, std, period):
        raise AssertionError("compiled although small")

    monkeypatch.setattr(dispatch, "compile_standard", unused)
    result = run_check(bundled_rules(), ROOT / "reports_in" / "sample", standards=["tb"])
    assert result.fallbacks == () and result.reports[0].verdicts


def test_check_reports_are_equal_on_the_sample():
    sample = ROOT / "reports_in" / "sample"
    compiled = run_check(bundled_rules(), sample, engine="compiled")
    reference = run_check(bundled_rules(), sample, engine="interpreter")
    assert compiled.fallbacks == ()
    for a, b in zip(compiled.reports, reference.reports, strict=True):
        rows_a = [(r.facility, r.subjects, r.numerator, r.denominator, dict(r.failing)) for r in a.rows]
        rows_b = [(r.facility, r.subjects, r.numerator, r.denominator, dict(r.failing)) for r in b.rows]
        assert rows_a == rows_b
        assert (a.out_of_period, a.out_of_population) == (b.out_of_period, b.out_of_population)
    assert compiled.ledger.balanced


def test_auto_falls_back_and_says_why(tmp_path, monkeypatch):
    import spm_rules.engine.compiled.dispatch as dispatch

    def refuse(rs, std, period):
        raise NotCompilable("test construct", std.id)

    monkeypatch.setattr(dispatch, "compile_standard", refuse)
    monkeypatch.setattr(dispatch, "AUTO_MIN_SUBJECTS", 0)  # the sample is small: compile anyway
    result = run_check(bundled_rules(), ROOT / "reports_in" / "sample", standards=["tb"], engine="auto")
    assert [f.standard for f in result.fallbacks] == ["tb"]
    assert "not compilable: test construct" in str(result.fallbacks[0].reason)
    with pytest.raises(NotCompilable):
        run_check(bundled_rules(), ROOT / "reports_in" / "sample", standards=["tb"], engine="compiled")


# ---- generated registers ---------------------------------------------------------------------

_DAY0 = dt.date(2016, 6, 1)
_days = st.integers(0, 365 * 3).map(lambda n: _DAY0 + dt.timedelta(days=n))
_maybe = st.one_of(st.none(), st.integers(0, 200))


@st.composite
def _usia_produktif(draw):
    people = draw(st.integers(1, 6))
    penduduk, skrining = [], []
    for i in range(people):
        nik = f"32160110058{i:05d}"
        birth = draw(st.dates(dt.date(1950, 1, 1), dt.date(2010, 12, 31)))
        sex = draw(st.sampled_from(["L", "P"]))
        penduduk.append({"nik": nik, "jenis_kelamin": sex, "tanggal_lahir": birth, "wilayah": "PKM A"})
        for _ in range(draw(st.integers(0, 3))):
            skrining.append(
                {
                    "nik": nik,
                    "tanggal": draw(_days),
                    "fasilitas": draw(st.sampled_from(["Posbindu A", "PKM B"])),
                    "petugas": draw(st.sampled_from(["dokter", "kader_posbindu", "lainnya", None])),
                    "tinggi_badan": draw(_maybe),
                    "berat_badan": draw(_maybe),
                    "lingkar_perut": draw(_maybe),
                    "sistolik": draw(_maybe),
                    "diastolik": draw(_maybe),
                    "gula_darah": draw(_maybe),
                    "skor_srq20": draw(st.one_of(st.none(), st.integers(0, 20))),
                    "visus": draw(st.sampled_from(["6/6", None])),
                    "pendengaran": draw(st.sampled_from(["normal", None])),
                    "sadanis": draw(st.sampled_from(["normal", None])),
                    "iva": draw(st.sampled_from(["negatif", None])),
                }
            )
    return {"penduduk": penduduk, "skrining_ptm": skrining}


@st.composite
def _ibu_hamil(draw):
    pregnancies = draw(st.integers(1, 4))
    penduduk, kehamilan, kunjungan, lab, imunisasi = [], [], [], [], []
    for i in range(pregnancies):
        nik = f"32160141019{i:05d}"
        penduduk.append(
            {"nik": nik, "jenis_kelamin": "P", "tanggal_lahir": dt.date(1990, 1, 1), "wilayah": "PKM A"}
        )
        hpht = draw(st.dates(dt.date(2017, 1, 1), dt.date(2018, 12, 31)))
        end = draw(
            st.one_of(st.none(), st.integers(200, 300).map(lambda n, h=hpht: h + dt.timedelta(days=n)))
        )
        kid = f"KH-{i}"
        kehamilan.append({"nik": nik, "id_kehamilan": kid, "hpht": hpht, "tanggal_persalinan": end})
        for _ in range(draw(st.integers(0, 6))):
            kunjungan.append(
                {
                    "id_kehamilan": kid,
                    "tanggal": hpht + dt.timedelta(days=draw(st.integers(-10, 300))),
                    "fasilitas": "PKM A",
                    "penolong": draw(st.sampled_from(["bidan", "dokter", "perawat"])),
                    "str_penolong": draw(st.sampled_from(["STR-1", None])),
                    "berat_badan": draw(st.sampled_from([60, None])),
                    "tinggi_badan": draw(st.sampled_from([155, None])),
                    "sistolik": draw(st.sampled_from([120, 145, None])),
                    "diastolik": draw(st.sampled_from([80, 95, None])),
                    "lila": draw(st.sampled_from([22, 25, None])),
                    "tfu": draw(st.sampled_from([20, None])),
                    "presentasi": draw(st.sampled_from(["kepala", None])),
                    "djj": draw(st.sampled_from([140, None])),
                    "status_tt": draw(st.sampled_from(["T2", "T5", None])),
                    "tablet_ttd": draw(st.sampled_from([30, 60, 90, None])),
                    "konseling": draw(st.sampled_from(["ya", None])),
                    "komplikasi": draw(st.sampled_from(["anemia", None])),
                    "tatalaksana": draw(st.sampled_from(["ditangani", None])),
                }
            )
        for _ in range(draw(st.integers(0, 4))):
            lab.append(
                {
                    "nik": nik,
                    "tanggal": hpht + dt.timedelta(days=draw(st.integers(-400, 300))),
                    "pemeriksaan": draw(
                        st.sampled_from(["tes_kehamilan", "hb", "golongan_darah", "protein_urin"])
                    ),
                    "hasil": draw(st.sampled_from(["positif", None])),
                    "nilai": draw(st.sampled_from([11, None])),
                }
            )
        for _ in range(draw(st.integers(0, 2))):
            day = hpht + dt.timedelta(days=draw(st.integers(-30, 300)))
            imunisasi.append(
                {"nik": nik, "tanggal": day, "antigen": draw(st.sampled_from(["TT", "Td", "BCG"]))}
            )
    return {
        "penduduk": penduduk,
        "kehamilan": kehamilan,
        "kunjungan_anc": kunjungan,
        "pemeriksaan_lab": lab,
        "imunisasi": imunisasi,
    }


_SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(tables=_usia_produktif())
def test_generated_usia_produktif(ruleset, tables):
    register = register_from_tables(tables, "gen", ruleset.contract)
    assert_same(ruleset, ruleset.standards["usia_produktif"], register, parse_period("2018"))


@_SETTINGS
@given(tables=_ibu_hamil())
def test_generated_ibu_hamil(ruleset, tables):
    register = register_from_tables(tables, "gen", ruleset.contract)
    assert_same(ruleset, ruleset.standards["ibu_hamil"], register, parse_period("2018"))


@_SETTINGS
@given(tables=_ibu_hamil())
def test_generated_links_to_the_first_record_and_in_the_period(ruleset, tables):
    """`record` links the first record only, `in period` those dated in it: the records used
    that DuckDB finds (the ledger's) are those the interpreter's links give, with links that
    no criterion reads (the ledger follows every link)."""
    std = ruleset.standards["ibu_hamil"]
    register = register_from_tables(tables, "gen", ruleset.contract)
    ibu = next(link for link in std.links if link.name == "ibu")  # the facility's
    for many, in_period, kind, by in [
        (False, False, "kunjungan_anc", "id_kehamilan"),
        (False, True, "pemeriksaan_lab", "id_orang"),
        (True, True, "pemeriksaan_lab", "id_orang"),
        (True, False, "kunjungan_anc", "id_kehamilan"),
    ]:
        # one link of the kind at a time (another would hide what this one gives), and one
        # criterion that reads none
        link = A.Link("dicari", kind, by, many, in_period, std.span)
        same = A.Compare("==", A.Name("id_kehamilan", std.span), A.Name("id_kehamilan", std.span), std.span)
        only = A.Criterion("x", "x", None, None, None, None, None, (), (), (), None, same, False, std.span)
        odd = dataclasses.replace(std, links=(ibu, link), criteria=(only,))
        assert_same(ruleset, odd, register, parse_period("2018"))
        # a population that leaves some subjects out: their linked records are not used
        early = A.Literal(dt.date(2017, 6, 1), "date", std.span)
        fewer = A.Compare("<", A.Name("hpht", std.span), early, std.span)
        assert_same(ruleset, dataclasses.replace(odd, population=fewer), register, parse_period("2018"))


def test_check_json_with_the_compiled_engine_is_clean_json(capsys):
    from spm_rules.cli.main import main

    assert main(["check", "--engine", "compiled", "--format", "json", "--standard", "usia_produktif"]) == 0
    doc = json.loads(capsys.readouterr().out)  # nothing else on stdout (DuckDB's progress bar is off)
    assert doc["standards"][0]["id"] == "usia_produktif"


def test_duckdb_never_draws_on_stdout(ruleset):
    register, _spec = _register(ROOT / "reports_in" / "sample", ruleset)
    tables = Tables(register)
    try:
        assert tables.con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False
    finally:
        tables.close()


def test_sql_command_prints_the_query(capsys):
    from spm_rules.cli.main import main

    assert main(["sql", "--standard", "tb", "--dialect", "postgres"]) == 0
    out = capsys.readouterr().out
    assert "FROM t_kasus_tb" in out and "_codes" in out
    assert main(["sql", "--standard", "nope"]) == 2
