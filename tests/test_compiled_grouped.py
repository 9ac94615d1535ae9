"""The compiled path's two shapes of an aggregate mean the same: an aggregate (or a first/last
record) whose filters read only its records is a column of one GROUP BY (or one ranking) per
collection, joined to the subject; one that reads the subject stays a correlated sub-query.
A standard made to use every aggregate in every shape — with filters, without, nested,
depending on the subject, in a group's `when`, in the population and the attribute — gives
the interpreter's verdicts on generated registers with empty collections and missing values.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given

from spm_rules.engine.compiled import compile_standard
from spm_rules.engine.period import parse_period
from spm_rules.lang.loader import load_rules
from spm_rules.registers.readers import register_from_tables

from .test_compiled_differential import _SETTINGS, _usia_produktif, assert_same

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def agregat(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rules")
    shutil.copytree(ROOT / "rules" / "shared", folder / "shared")
    (folder / "set").mkdir()
    shutil.copy(ROOT / "rules" / "permenkes-43-2016" / "00_ruleset.spm", folder / "set")
    standard = Path(__file__).parent / "data" / "compiled" / "agregat.spm"
    shutil.copy(standard, folder / "set" / "01_agregat.spm")
    return load_rules(folder / "set")


def test_both_shapes_are_compiled(agregat):
    sql = compile_standard(agregat, agregat.standards["agregat"], parse_period("2018")).sql()
    assert "FILTER(WHERE" in sql  # grouped aggregates
    assert "ROW_NUMBER() OVER" in sql  # first/last as a ranking
    assert "EXISTS(" in sql  # the aggregate that reads the subject stays correlated


@_SETTINGS
@given(tables=_usia_produktif())
def test_every_aggregate_shape_means_what_the_interpreter_says(agregat, tables):
    register = register_from_tables(tables, "gen", agregat.contract)
    assert_same(agregat, agregat.standards["agregat"], register, parse_period("2018"))
