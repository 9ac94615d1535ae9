"""The language's semantics, stated directly: small expressions and the values they must have.

Each row is an expression as a rule author writes it and the value the interpreter must give
(MISSING: not recorded). The subject is one person born 2000-02-29 with no recorded `wilayah`;
the period is 2024. A compiler must reproduce this table exactly.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from spm_rules.engine.denominators import denominators
from spm_rules.engine.evaluate import evaluate, value_of
from spm_rules.engine.functions import IMPLEMENTATIONS
from spm_rules.engine.period import parse_period
from spm_rules.engine.verdict import Missing
from spm_rules.lang.builtins import BUILTINS, OnMissing, Where
from spm_rules.lang.checker import check
from spm_rules.lang.parser import parse_text
from spm_rules.registers.readers import register_from_tables

MISSING = object()

RULE = """\
source s "S"

standard semantik {{
  title "Semantik"
  cite s "1" line 1
  subject penduduk
  records skrining = skrining_ptm by id_orang
  period year
  let value = {expr}
  population true
  attribute fasilitas
  denominator counted
  criterion c "C" {{
    short "c"
    cite s "1" line 1
    require true
  }}
}}
"""

PERSON = {
    "nik": "3216016902000001",
    "jenis_kelamin": "P",
    "tanggal_lahir": "2000-02-29",
    "fasilitas": "PKM A",
}
SCREENINGS = [
    {"nik": "3216016902000001", "tanggal": "2024-03-01", "fasilitas": "PKM A", "petugas": "perawat",
     "sistolik": "120", "diastolik": "80"},
    {"nik": "3216016902000001", "tanggal": "2024-06-01", "fasilitas": "PKM A", "petugas": "perawat",
     "sistolik": "150"},
]  # fmt: skip

CASES = [
    # three-valued logic: false wins over missing in `and`, true wins in `or`
    ("true and true", True),
    ("true and false", False),
    ("false and missing", False),
    ("missing and false", False),
    ("true and missing", MISSING),
    ("missing and true", MISSING),
    ("true or missing", True),
    ("missing or true", True),
    ("false or missing", MISSING),
    ("not missing", MISSING),
    ("not false", True),
    # comparisons and arithmetic with missing
    ('wilayah == "x"', MISSING),
    ("missing > 1", MISSING),
    ("1 + missing", MISSING),
    ("wilayah is missing", True),
    ("wilayah is not missing", False),
    ("present(wilayah)", False),
    ('coalesce(wilayah, "y")', "y"),
    ("coalesce(wilayah, wilayah)", MISSING),
    ("1 between 1 and 2", True),
    ("3 between 1 and 2", False),
    ("missing between 1 and 2", MISSING),
    ("if missing then 1 else 2", MISSING),
    ("if 1 > 0 then 1 else 2", Decimal(1)),
    # division by zero is missing, never an error and never 0
    ("1 / 0", MISSING),
    ("6 / 4", Decimal("1.5")),
    ("least(3, 1, 2)", Decimal(1)),
    ("greatest(3, missing)", MISSING),
    # aggregates: empty collections
    ("count(v in skrining where v.sistolik > 200)", Decimal(0)),
    ("any(v in skrining where v.sistolik > 200)", False),
    ("all(v in skrining where v.sistolik > 200 : v.diastolik > 0)", MISSING),
    ("sum(v in skrining where v.sistolik > 200 : v.sistolik)", Decimal(0)),
    ("min(v in skrining where v.sistolik > 200 : v.sistolik)", MISSING),
    ("first(v in skrining where v.sistolik > 200)", MISSING),
    # aggregates over missing values
    ("count(v in skrining)", Decimal(2)),
    ("sum(v in skrining : v.diastolik)", Decimal(80)),
    ("max(v in skrining : v.sistolik)", Decimal(150)),
    ("all(v in skrining : v.diastolik > 0)", MISSING),
    ("all(v in skrining : v.sistolik > 200)", False),
    ("count_distinct(v in skrining : v.fasilitas)", Decimal(1)),
    ("last(v in skrining).tanggal", dt.date(2024, 6, 1)),
    # dates at month ends and leap days; age on a date
    ("add_months(2024-01-31, 1)", dt.date(2024, 2, 29)),
    ("add_months(2023-01-31, 1)", dt.date(2023, 2, 28)),
    ("add_months(2024-03-31, -1)", dt.date(2024, 2, 29)),
    ("add_days(2024-02-28, 1)", dt.date(2024, 2, 29)),
    ("days_between(2024-02-01, 2024-03-01)", Decimal(29)),
    ("age_days(2024-03-01, 2024-02-28)", Decimal(-2)),
    ("weeks_between(2024-01-01, 2024-04-01)", Decimal(13)),
    ("weeks_between(2024-01-01, 2024-03-31)", Decimal(12)),
    ("age_years(tanggal_lahir, 2024-02-28)", Decimal(23)),
    ("age_years(tanggal_lahir, 2024-02-29)", Decimal(24)),
    ("age_years(tanggal_lahir, 2023-02-28)", Decimal(22)),
    ("age_years(tanggal_lahir, 2023-03-01)", Decimal(23)),
    ("age_months(tanggal_lahir, 2000-03-28)", Decimal(0)),
    ("age_months(tanggal_lahir, 2000-03-29)", Decimal(1)),
    ("in_period(2024-12-31)", True),
    ("in_period(2025-01-01)", False),
    ("year(period_end)", Decimal(2024)),
    ("month(2024-02-29)", Decimal(2)),
    ("abs(-3)", Decimal(3)),
    # hours across midnight, fractions of an hour; a clock that is not HH:MM is not a time
    ('hours_between(2024-03-01, "22:00", 2024-03-02, "04:00")', Decimal(6)),
    ('hours_between(2024-03-01, "08:00", 2024-03-03, "08:00")', Decimal(48)),
    ('hours_between(2024-03-01, "08:00", 2024-03-01, "09:30")', Decimal("1.5")),
    ('hours_between(2024-03-01, "08:00", 2024-03-01, "pagi")', MISSING),
]


@pytest.fixture(scope="module")
def register():
    return register_from_tables({"penduduk": [PERSON], "skrining_ptm": SCREENINGS}, "semantik")


@pytest.mark.parametrize("expr, expected", CASES, ids=[c[0] for c in CASES])
def test_semantics_table(register, expr, expected):
    assert not [p for p in register.problems if p.severity == "error"]
    rs, diags = check([parse_text(RULE.format(expr=expr), "semantik.spm")], register.contract)
    assert rs is not None, [d.message_en for d in diags]
    std = rs.standard("semantik")
    subject = register.of_kind("penduduk")[0]
    value = value_of(rs, std, register, parse_period("2024", "year"), std.lets[0].expr, subject)
    if expected is MISSING:
        assert isinstance(value, Missing), value
    else:
        assert not isinstance(value, Missing), value
        assert value == expected and type(value) is type(expected)


def test_a_denominator_that_divides_by_zero_gives_way_to_the_next_alternative(register):
    text = RULE.format(expr="1").replace("denominator counted", "denominator 100 / 0 otherwise counted")
    rs, diags = check([parse_text(text, "semantik.spm")], register.contract)
    assert rs is not None, [d.message_en for d in diags]
    std = rs.standard("semantik")
    period = parse_period("2024", "year")
    verdicts = evaluate(rs, std, register, period)
    found = denominators(rs, std, register, period, verdicts)
    assert found["PKM A"].value == 1 and found["PKM A"].source.kind == "counted"


def test_every_declared_builtin_has_one_implementation_and_no_more():
    assert set(BUILTINS) == set(IMPLEMENTATIONS)


def test_every_builtin_is_exercised_by_the_table():
    used = {name for name in BUILTINS if any(f"{name}(" in expr for expr, _ in CASES)}
    # sasaran is exercised by the denominator tests (it only stands in `denominator`)
    assert used | {"sasaran"} == set(BUILTINS)


def test_declarations_say_where_and_how_missing_is_handled():
    for b in BUILTINS.values():
        assert b.phrase and b.phrase_en and b.doc
        assert isinstance(b.where, Where) and isinstance(b.on_missing, OnMissing)
    assert BUILTINS["sasaran"].where == Where.DENOMINATOR
    assert {n for n, b in BUILTINS.items() if b.on_missing == OnMissing.SEES} == {"present", "coalesce"}
