"""The compiled path's two shapes of an aggregate mean the same: an aggregate (or a first/last
record) whose filters read only its records is a column of one GROUP BY per collection (a
first/last record, printed for another dialect, one ranking), joined to the subject; one that
reads the subject stays a correlated sub-query. A standard made to use every aggregate in every
shape — with filters, without, nested, depending on the subject, through defines, in a group's
`when`, in the population and the attribute — gives the interpreter's verdicts on generated
registers with empty collections and missing values, in both of the query's forms.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    std = agregat.standards["agregat"]
    sql = compile_standard(agregat, std, parse_period("2018")).sql()
    assert "FILTER(WHERE" in sql  # grouped aggregates
    assert "BIT_OR(" in sql  # their `any`s as bits of a mask
    # first/last as columns of the collection's group, with and without a filter
    assert "ARG_MIN_NULL(" in sql and "ARG_MAX_NULL(" in sql and ") FILTER(WHERE" in sql
    assert "ROW_NUMBER() OVER" not in sql
    assert "EXISTS(" in sql  # the aggregate that reads the subject stays correlated
    # for another dialect, first/last as a ranking (no ARG_MIN_NULL outside DuckDB)
    portable = compile_standard(agregat, std, parse_period("2018"), portable=True).sql("postgres")
    assert "ROW_NUMBER() OVER" in portable and "ARG_MIN_NULL" not in portable
    assert "BIT_OR" not in portable.upper()  # a count each


@_SETTINGS
@given(tables=_usia_produktif(), portable=st.booleans())
def test_every_aggregate_shape_means_what_the_interpreter_says(agregat, tables, portable):
    register = register_from_tables(tables, "gen", agregat.contract)
    assert_same(agregat, agregat.standards["agregat"], register, parse_period("2018"), portable=portable)


@pytest.mark.parametrize("portable", [False, True])
def test_a_first_or_last_record_without_the_field_is_not_passed_over(agregat, portable):
    """The last screening has no height: `last(...).tinggi_badan` is missing, not the height
    of the screening before it (DuckDB's ARG_MAX would skip the NULL: ARG_MAX_NULL keeps it)."""
    person = {"nik": "3216011005800001", "jenis_kelamin": "P", "tanggal_lahir": dt.date(1980, 1, 1)}
    visit = {"nik": person["nik"], "fasilitas": "PKM B", "petugas": "dokter", "gula_darah": 120}
    tables = {
        "penduduk": [{**person, "wilayah": "PKM A"}],
        "skrining_ptm": [
            {**visit, "tanggal": dt.date(2018, 3, 1), "tinggi_badan": 170},
            {**visit, "tanggal": dt.date(2018, 9, 1), "tinggi_badan": None, "fasilitas": "Posbindu A"},
        ],
    }
    register = register_from_tables(tables, "gen", agregat.contract)
    std = agregat.standards["agregat"]
    assert assert_same(agregat, std, register, parse_period("2018"), portable=portable)


def test_many_anys_are_bits_of_more_than_one_mask(tmp_path):
    """Seventy-one `any`s over one collection (the population's and seventy criteria's): bits
    of two BIT_OR masks (63 to a BIGINT), each read back as the interpreter's verdict, on
    either side of the masks' border; printed for another dialect, a count each."""
    shutil.copytree(ROOT / "rules" / "shared", tmp_path / "shared")
    (tmp_path / "set").mkdir()
    shutil.copy(ROOT / "rules" / "permenkes-43-2016" / "00_ruleset.spm", tmp_path / "set")
    criteria = "\n".join(
        f'  criterion c{k} "gula {k}" {{\n    cite juknis "6" line 836\n'
        f"    require any(s in skrining where s.gula_darah > {3 * k}) }}"
        for k in range(69)
    )
    (tmp_path / "set" / "01_banyak.spm").write_text(
        "standard banyak {\n"
        '  title "Uji banyak any" en "Many anys"\n'
        '  regulation "uji" version "1"\n'
        '  cite juknis "6" lines 825-998\n'
        "  target 100%\n"
        '  subject penduduk "Penduduk"\n'
        "  records skrining = skrining_ptm by id_orang in period\n"
        "  period year\n"
        "  denominator counted\n"
        "  population any(s in skrining where s.tanggal is not missing)\n"
        "  attribute first(s in skrining).fasilitas\n"
        f"{criteria}\n"
        '  criterion c_none "tanpa gula" {\n    cite juknis "6" line 836\n'
        "    require any(s in skrining where s.gula_darah is missing) }\n"
        "}\n",
        encoding="utf-8",
    )
    rs = load_rules(tmp_path / "set")
    std = rs.standards["banyak"]
    sql = compile_standard(rs, std, parse_period("2018")).sql()
    assert "BIT_OR(" in sql and "_g1_m1" in sql and "_g1_m2" not in sql
    portable = compile_standard(rs, std, parse_period("2018"), portable=True).sql("postgres")
    assert "BIT_OR" not in portable.upper() and ") > 0 AS _a" in portable
    people, visits = [], []
    # sugars either side of the thresholds 180, 183 (the first mask's last bits) and 186 (the
    # second's first), none, and a missing one
    sugars_of = [[], [None], [0], [182], [185], [187], [188, None], [189], [190], [207, 5], [300]]
    person = {"jenis_kelamin": "P", "tanggal_lahir": dt.date(1980, 1, 1), "wilayah": "PKM A"}
    visit = {"fasilitas": "PKM A", "petugas": "dokter"}
    for i, sugars in enumerate(sugars_of):
        nik = f"32160110058000{i + 10}"
        people.append({**person, "nik": nik})
        for day, sugar in enumerate(sugars, start=1):
            visits.append({**visit, "nik": nik, "tanggal": dt.date(2018, 3, day), "gula_darah": sugar})
    register = register_from_tables({"penduduk": people, "skrining_ptm": visits}, "gen", rs.contract)
    for portable in (False, True):
        assert assert_same(rs, std, register, parse_period("2018"), portable=portable)
