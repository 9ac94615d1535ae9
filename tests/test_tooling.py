"""lint, test and fmt: findings with stable codes, YAML rule tests with coverage, the canonical
layout; machine-readable outputs and the one exit-code convention."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spm_rules.cli.main import main
from spm_rules.lang import ast as A
from spm_rules.lang.errors import RuleError
from spm_rules.lang.parser import parse_text
from spm_rules.resources import bundled_rules
from spm_rules.tooling.fmt import format_text

from .conftest import copy_rule_set

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"

LINT_CASE = """\
source juknis "Juknis"
valueset tak_dipakai = {"a"}

standard contoh {
  title "Contoh"
  cite juknis "1" lines 1-2
  subject penduduk
  records s = skrining_ptm by nik in period
  period year
  let umur = age_years(tanggal_lahir, period_end)
  population umur >= 60 and umur < 15
  attribute wilayah
  denominator counted

  criterion a "" {
    short "a"
    cite juknis "1" line 1
    require umur < 60 or umur >= 15
  }
  criterion b "B" {
    short "b"
    cite juknis "1" line 1
    when true  # spm: ignore[W206]
    require umur between 60 and 15
  }
}
"""


@pytest.fixture(autouse=True)
def _away_from_the_project_config(tmp_path, monkeypatch):
    """The repository's spm-rules.yaml must not decide these tests: run them elsewhere."""
    monkeypatch.chdir(tmp_path)


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def lint_dir(tmp_path: Path) -> Path:
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "a.spm").write_text(LINT_CASE, encoding="utf-8")
    return tmp_path / "r"


# ---- lint ----------------------------------------------------------------------------------


def test_lint_bundled_rules_is_clean(capsys):
    code, out, _ = cli(capsys, "lint", str(bundled_rules()))
    assert code == 0
    assert "0 galat, 0 peringatan" in out


def test_lint_findings_have_codes_positions_and_carets(capsys, lint_dir):
    code, out, _ = cli(capsys, "lint", str(lint_dir), "--lang", "en")
    assert code == 0  # warnings only; the default fails on errors
    codes = re.findall(r"\[(W\d+)\]", out)
    assert sorted(codes) == ["W201", "W203", "W205", "W205", "W206"]
    assert "a.spm:11:14: warning[W205]: this condition can never hold: umur >= 60 and umur < 15" in out
    assert "^^^^" in out and "(1 silenced)" in out


NOTES_CASE = """\
source juknis "Juknis"

standard contoh {
  title "Contoh"
  cite juknis "1" lines 1-2
  subject penduduk
  period year
  population true
  attribute wilayah
  denominator counted
  note "Bersandar pada teks." see juknis "1" line 1
  note "Tanpa dasar apa pun."

  criterion a "A" {
    short "a"
    cite juknis "1" line 1
    note "Keputusan: dibaca begini, karena teks diam."
    note "Keputusan: dibaca begini saja."
    require true  # spm: ignore[W206]
  }
}
"""


def test_lint_w208_a_note_cites_its_ground_or_is_a_reasoned_decision(capsys, tmp_path):
    (tmp_path / "n").mkdir()
    (tmp_path / "n" / "a.spm").write_text(NOTES_CASE, encoding="utf-8")
    code, out, _ = cli(capsys, "lint", str(tmp_path / "n"), "--lang", "en")
    assert code == 0  # warnings only; the default fails on errors
    w208 = [line for line in out.splitlines() if "[W208]" in line]
    assert [line.split(":")[1] for line in w208] == ["12", "18"]
    assert "a note without its ground" in w208[0]
    assert "a decision note without its reason" in w208[1]


def test_lint_severity_config_and_fail_level(capsys, lint_dir, tmp_path):
    cfg = tmp_path / "spm-rules.yaml"
    cfg.write_text("lint:\n  fail_on: warning\n  severity:\n    W203: off\n    W201: error\n")
    code, out, _ = cli(capsys, "lint", str(lint_dir), "--config", str(cfg), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["failed"]
    by_code = {f["code"]: f["severity"] for f in doc["findings"]}
    assert "W203" not in by_code and by_code["W201"] == "error"


def test_lint_bad_config_is_a_usage_error(capsys, lint_dir, tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("lint:\n  fail_on: sometimes\n")
    code, _out, err = cli(capsys, "lint", str(lint_dir), "--config", str(cfg))
    assert code == 2 and "sometimes" in err


def test_lint_syntax_error_is_a_finding(capsys, tmp_path):
    (tmp_path / "x.spm").write_text('standard a {\n  titel "x"\n}\n')
    code, out, _ = cli(capsys, "lint", str(tmp_path))
    assert code == 1 and "[E001]" in out and "maksud Anda 'title'?" in out


def test_lint_overlapping_rule_sets(capsys, tmp_path):
    src = (bundled_rules() / "00_ruleset.spm").read_text(encoding="utf-8")
    for name, eff in (("a", "effective 2017-12-28 to 2018-12-31"), ("b", "effective 2018-06-01")):
        folder = tmp_path / name
        copy_rule_set(folder, ignore=shutil.ignore_patterns("tests"))
        (folder / "00_ruleset.spm").write_text(
            src.replace("effective 2017-12-28 to 2018-12-31", eff), encoding="utf-8"
        )
    code, out, _ = cli(capsys, "lint", str(tmp_path), "--format", "github")
    assert code == 0
    assert "title=W207::" in out and "ibu_hamil" in out and "usia_produktif" in out


def test_lint_junit_is_valid_xml(capsys, lint_dir):
    _code, out, _ = cli(capsys, "lint", str(lint_dir), "--format", "junit")
    root = ET.fromstring(out.split("?>", 1)[1])
    assert root.tag == "testsuites" and len(root.findall(".//testcase")) == 5


def test_lint_missing_path_exit_2(capsys):
    code, _out, err = cli(capsys, "lint", "/no/such/rules")
    assert code == 2 and "path tidak ditemukan" in err


# ---- test ----------------------------------------------------------------------------------


def test_bundled_rule_tests_pass_with_full_coverage(capsys):
    code, out, _ = cli(capsys, "test", str(bundled_rules()), "--coverage", "--threshold", "100")
    assert code == 0
    passed, failed = re.search(r"(\d+) passed, (\d+) failed\s*$", out).groups()
    assert int(passed) >= 114 and failed == "0"
    assert "100.0 %" in out


FAILING = """\
standard: ibu_hamil
period: "2018"
records:
  penduduk: [{nik: "3216015203900001", jenis_kelamin: P, tanggal_lahir: 1990-03-12, wilayah: PKM A}]
  kehamilan: [{id_kehamilan: KH-1, nik: "3216015203900001", hpht: 2018-01-01, tanggal_persalinan: 2018-10-03}]
cases:
  - name: tanpa kunjungan salah harapan
    subject: KH-1
    expect: {counted: true, criteria: {k1: met}, explanation_contains: ["tidak ada"]}
  - name: tanpa kunjungan benar
    subject: KH-1
    expect: {counted: false, criteria: {k1: not_met, t2: not_met}}
  - name: dilewati
    subject: KH-1
    skip: belum siap
  - name: data salah
    subject: KH-1
    records:
      kehamilan: [{id_kehamilan: KH-1, nik: "12345", hpht: 2018-02-30}]
"""


@pytest.fixture
def failing_tests(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    copy_rule_set(folder, ignore=shutil.ignore_patterns("tests"))
    (folder / "coba.test.yaml").write_text(FAILING, encoding="utf-8")
    return folder


def test_failing_case_shows_expected_actual_and_tree(capsys, failing_tests):
    code, out, _ = cli(capsys, "test", str(failing_tests))
    assert code == 1
    assert "GAGAL" in out and "counted: diharapkan True, ternyata False" in out
    assert "k1: diharapkan met, ternyata not_met" in out
    assert "✗ Minimal 1 kunjungan pada trimester 1" in out  # the verdict tree
    assert "kolom 'hpht' = '2018-02-30': tanggal tidak ada di kalender" in out
    assert out.rstrip().endswith("1 passed, 2 failed, 1 skipped")


def test_select_by_name_and_coverage_threshold(capsys, failing_tests):
    code, out, err = cli(
        capsys, "test", str(failing_tests), "-k", "*benar", "--coverage", "--threshold", "50"
    )
    assert out.rstrip().endswith("1 passed, 0 failed")
    assert code == 1 and "di bawah ambang 50 %" in err


def test_test_outputs_json_junit_github(capsys, failing_tests):
    _c, out, _ = cli(capsys, "test", str(failing_tests), "--format", "json", "--coverage")
    doc = json.loads(out)
    assert (doc["passed"], doc["failed"], doc["errors"], doc["skipped"]) == (1, 1, 1, 1)
    assert 0 < doc["coverage"]["percent"] < 100
    _c, out, _ = cli(capsys, "test", str(failing_tests), "--format", "junit")
    root = ET.fromstring(out.split("?>", 1)[1])
    assert len(root.findall(".//failure")) == 2 and len(root.findall(".//skipped")) == 1
    _c, out, _ = cli(capsys, "test", str(failing_tests), "--format", "github")
    assert out.count("::error file=") == 2


def test_no_test_files_is_a_usage_error(capsys, tmp_path):
    (tmp_path / "a.spm").write_text("")
    code, _out, err = cli(capsys, "test", str(tmp_path))
    assert code == 2 and "*.test.yaml" in err


# ---- fmt -----------------------------------------------------------------------------------


def test_fmt_golden_layout():
    src = (GOLDEN / "fmt" / "messy.spm").read_text(encoding="utf-8")
    expected = (GOLDEN / "fmt" / "messy.expected.spm").read_text(encoding="utf-8")
    assert format_text(src, "messy.spm") == expected
    assert format_text(expected, "messy.spm") == expected


def test_fmt_keeps_every_comment():
    src = (GOLDEN / "fmt" / "messy.spm").read_text(encoding="utf-8")
    out = format_text(src, "messy.spm")
    comments = [c.text for c in parse_text(src).comments]
    assert [c.text for c in parse_text(out).comments] == comments


def test_bundled_rules_are_formatted(capsys):
    code, out, _ = cli(capsys, "fmt", "--check", str(bundled_rules()))
    assert code == 0 and "0 dari 13" in out


def test_fmt_check_reports_diff_and_writes_only_without_check(capsys, tmp_path):
    f = tmp_path / "a.spm"
    f.write_text('source juknis   "J"\n', encoding="utf-8")
    code, out, _ = cli(capsys, "fmt", "--check", str(tmp_path))
    assert code == 1 and '+source juknis "J"' in out
    assert f.read_text() == 'source juknis   "J"\n'
    code, _out, _ = cli(capsys, "fmt", str(tmp_path))
    assert code == 0 and f.read_text() == 'source juknis "J"\n'


def test_fmt_syntax_error_exit_2(capsys, tmp_path):
    (tmp_path / "a.spm").write_text("standard {")
    code, out, _ = cli(capsys, "fmt", str(tmp_path))
    assert code == 2 and "[E001]" in out


CORPUS = [p.read_text(encoding="utf-8") for p in sorted(bundled_rules().glob("*.spm"))]
CORPUS.append((GOLDEN / "fmt" / "messy.spm").read_text(encoding="utf-8"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(range(len(CORPUS))),
    st.lists(
        st.tuples(
            st.integers(0, 10**6),
            st.sampled_from([" ", "  ", "\n", "\n\n", "\t", "  # note\n", "\n# own line\n"]),
        ),
        max_size=12,
    ),
)
def test_fmt_is_idempotent_and_keeps_meaning_under_layout_changes(which, edits):
    """Insert white space and comments between tokens of real rule files; the formatted text
    parses to the same AST and formatting it again changes nothing."""
    src = CORPUS[which]
    original = parse_text(src, "x.spm")
    # only insert at token boundaries outside quoted texts and comments: after a space
    spots = [i for i, ch in enumerate(src) if ch == " " and _outside_string(src, i)]
    text = src
    for pos, piece in sorted(edits, reverse=True):
        if not spots:
            break
        at = spots[pos % len(spots)]
        text = text[:at] + piece + text[at:]
    try:
        mutated = parse_text(text, "x.spm")
    except RuleError:  # a comment inserted before a token on the same line may hide code
        return
    if A.meaning(mutated.items) != A.meaning(original.items):
        return
    once = format_text(text, "x.spm")
    assert format_text(once, "x.spm") == once
    assert A.meaning(parse_text(once, "x.spm").items) == A.meaning(original.items)


def _outside_string(src: str, i: int) -> bool:
    line_start = src.rfind("\n", 0, i) + 1
    before = src[line_start:i]
    return before.count('"') % 2 == 0 and "#" not in before
