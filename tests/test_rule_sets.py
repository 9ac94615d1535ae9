"""Rule sets by regulation: which set is in force for a period (at the edges of each set's dates),
choosing one by name, provisional sets visible in every output, parameters, shared
declarations, and `spm-rules diff` between two sets on the same registers."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from spm_rules.api import run_check, run_diff
from spm_rules.cli.main import main
from spm_rules.engine.period import parse_period
from spm_rules.lang import ast as A
from spm_rules.lang.errors import RuleError
from spm_rules.lang.library import NoSuchRuleSet, RuleSetInfo, choose, discover, set_folders
from spm_rules.lang.loader import load_rules
from spm_rules.lang.params import ParamError, with_params
from spm_rules.lang.parser import parse_text
from spm_rules.report.aggregate import failed_ids
from spm_rules.report.compare import State
from spm_rules.resources import bundled_library, bundled_rules, bundled_sample
from spm_rules.tooling.fmt import format_text

from .conftest import write_register

D = dt.date


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _info(name: str, start: dt.date | None, end: dt.date | None, status: str | None = None) -> RuleSetInfo:
    header = A.Header(regulation=name, version=name, effective_from=start, effective_to=end, status=status)
    return RuleSetInfo(Path(f"/rules/{name}"), name, header)


LIBRARY = [
    _info("2016", D(2017, 12, 28), D(2018, 12, 31)),
    _info("2019", D(2019, 1, 1), D(2024, 4, 2)),
    _info("2024", D(2024, 4, 3), None, "provisional"),
]


@pytest.mark.parametrize(
    "period, expected, reason, also",
    [
        ("2018-12", "2016", "in_force", []),
        ("2019-01", "2019", "in_force", []),
        ("2018", "2016", "in_force", []),
        ("2019", "2019", "in_force", []),
        ("2024-03", "2019", "in_force", []),  # 2 April is 4/2019's last day
        ("2024-04", "2024", "in_force", ["2019"]),  # April straddles both: the set on its last day
        ("2024", "2024", "in_force", ["2019"]),  # as the LKIP 2024 counts the whole year
        ("2024-Q1", "2019", "in_force", []),
        ("2017", "2016", "in_force", []),  # 28-31 December 2017
        ("2016", "2016", "latest", []),  # nothing yet: the earliest set, said so
    ],
)
def test_the_set_in_force_on_the_periods_last_day_is_chosen(period, expected, reason, also):
    p = parse_period(period)
    choice = choose(LIBRARY, None, p.start, p.end)
    assert choice.info.name == expected
    assert choice.reason == reason
    assert [i.name for i in choice.also_in_force] == also


def test_a_final_set_wins_over_a_provisional_one_in_force_on_the_same_day():
    both = [_info("lama", D(2020, 1, 1), None), _info("baru", D(2024, 1, 1), None, "provisional")]
    assert choose(both, None, D(2024, 1, 1), D(2024, 12, 31)).info.name == "lama"


def test_a_set_is_chosen_by_name_version_or_folder_and_an_unknown_one_is_refused():
    for wanted in ("2019", "/rules/2019"):
        assert choose(LIBRARY, wanted, D(2018, 1, 1), D(2018, 12, 31)).info.name == "2019"
    with pytest.raises(NoSuchRuleSet) as err:
        choose(LIBRARY, "2030", D(2018, 1, 1), D(2018, 12, 31))
    assert "2016" in err.value.message and "rule-sets" in err.value.message


def test_the_bundled_library_holds_one_set_per_regulation_and_a_shared_folder():
    infos = discover([bundled_library()])
    names = [i.name for i in infos]
    assert {"spm_2016", "spm_2024"} <= set(names)
    folders = {f.name for f in set_folders([bundled_library()])}
    assert "shared" not in folders  # loaded with the sets that use it, never alone
    provisional = [i.name for i in infos if i.provisional]
    assert provisional == ["spm_2024"]
    # every set's dates are disjoint: one set in force on any day
    for a, b in itertools.pairwise(infos):
        assert a.end < b.start


def test_check_defaults_to_the_set_in_force_and_says_so(capsys):
    code, _out, err = run_cli(capsys, "check", "--standard", "ibu_hamil", "--period", "2018")
    assert code == 0
    assert "spm_2016" in err and "berlaku pada hari terakhir periode 2018" in err


def test_check_with_a_set_that_is_not_in_force_warns_in_the_report(capsys):
    code, out, err = run_cli(
        capsys, "check", "--rule-set", "2024", "--period", "2018", "--standard", "ibu_hamil"
    )
    assert code == 0
    assert "dipilih dengan --rule-set" in err and "Permenkes 43/2016" in err  # also in force
    assert "tidak berlaku untuk periode" in out


def test_an_unknown_rule_set_is_a_usage_error_in_plain_words(capsys):
    code, out, err = run_cli(capsys, "check", "--rule-set", "1999")
    assert code == 2 and out == ""
    assert "rule set tidak dikenal: 1999" in err and "Traceback" not in err


def test_a_provisional_set_says_so_in_every_output(capsys, tmp_path):
    base = ["check", "--rule-set", "spm_2024", "--period", "2018", "--standard", "ibu_hamil"]
    code, out, err = run_cli(capsys, *base)
    assert code == 0 and "SEMENTARA" in out and "SEMENTARA" in err
    code, out, _ = run_cli(capsys, *base, "--lang", "en")
    assert "PROVISIONAL" in out
    code, out, _ = run_cli(capsys, *base, "--format", "json")
    doc = json.loads(out)
    assert doc["rule_set"]["status"] == "provisional" and doc["rule_set"]["name"] == "spm_2024"
    assert {p["name"] for p in doc["rule_set"]["params"]} == {"anc_tm1", "anc_tm2", "anc_tm3"}
    html = tmp_path / "r.html"
    assert run_cli(capsys, *base, "--format", "html", "--output", str(html))[0] == 0
    assert "SEMENTARA" in html.read_text(encoding="utf-8")
    xlsx = tmp_path / "r.xlsx"
    assert run_cli(capsys, *base, "--format", "xlsx", "--output", str(xlsx))[0] == 0
    wb = load_workbook(xlsx)
    first = wb.worksheets[0]
    assert first.title == "Aturan" and "SEMENTARA" in str(first["B2"].value)
    assert wb.active.title == "Aturan"


def test_lint_can_reject_provisional_sets(capsys):
    code, out, _ = run_cli(capsys, "lint", str(bundled_library()), "--no-provisional")
    assert code == 1 and "E208" in out and "spm_2024" in out
    code, _out, _ = run_cli(capsys, "lint", str(bundled_library()))
    assert code == 0


def test_a_parameter_changes_the_verdict_and_is_reported(tmp_path):
    rs = load_rules(bundled_library() / "permenkes-6-2024")
    assert rs.provisional and set(rs.params) == {"anc_tm1", "anc_tm2", "anc_tm3"}
    changed = with_params(rs, {"anc_tm1": "2"})
    body = changed.params["anc_tm1"].body
    assert isinstance(body, A.Literal) and body.value == 2
    assert rs.params["anc_tm1"].body.value == 1  # the loaded set itself is unchanged
    with pytest.raises(ParamError) as err:
        with_params(rs, {"anc_tm9": "1"})
    assert "tidak punya param 'anc_tm9'" in err.value.message
    with pytest.raises(ParamError) as err:
        with_params(rs, {"anc_tm1": "dua"})
    assert "harus angka" in err.value.message


def test_param_on_the_command_line(capsys):
    base = ["check", "--rule-set", "2024", "--period", "2018", "--standard", "ibu_hamil", "--format", "json"]
    code, out, _ = run_cli(capsys, *base, "--param", "anc_tm1=2")
    assert code == 0
    params = {p["name"]: p["value"] for p in json.loads(out)["rule_set"]["params"]}
    assert params["anc_tm1"] == "2"
    code, _out, err = run_cli(capsys, *base, "--param", "anc_tm1")
    assert code == 2 and "NAMA=NILAI" in err
    code, _out, err = run_cli(capsys, *base, "--param", "tidak_ada=1")
    assert code == 2 and "tidak punya param" in err


def test_new_declarations_format_idempotently_and_are_checked():
    text = (
        'ruleset x {\n  title "X"\n  effective 2024-01-01\n  status provisional\n  uses "../shared"\n}\n\n'
        'param n "jumlah" = 3\n'
    )
    once = format_text(text, "x.spm")
    assert format_text(once, "x.spm") == once
    assert "status provisional" in once and 'uses "../shared"' in once and 'param n "jumlah" = 3' in once
    rf = parse_text(once, "x.spm")
    decl = rf.items[0]
    assert isinstance(decl, A.RuleSetDecl) and decl.header.status == "provisional"


@pytest.mark.parametrize(
    "text, code",
    [
        ("ruleset x {\n  status draft\n}\n", "E106"),
        ("param n = 1 + 2\n", "E107"),
        ('ruleset x {\n  uses "../tidak-ada"\n}\n', "E108"),
    ],
)
def test_bad_versions_are_diagnosed(tmp_path, text, code):
    (tmp_path / "a.spm").write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_rules(tmp_path)
    assert code in {d.code for d in err.value.diagnostics}


def test_diff_names_each_subject_whose_verdict_changed_and_why():
    result = run_diff(bundled_library(), "2016", "2024", bundled_sample(), "2018", ["bayi_baru_lahir"])
    (service,) = result.services
    assert service.before is not None and service.after is not None
    lost = [c for c in service.changes if c.before == State.COUNTED and c.after == State.NOT_COUNTED]
    assert len(lost) == service.before.total.numerator - service.after.total.numerator
    assert all("kn1" in c.failed_after for c in lost)  # the sample records no birth times
    # the totals of each side are the ones `check` prints under that set
    alone = run_check(bundled_rules(), bundled_sample(), "2018", ["bayi_baru_lahir"]).reports[0]
    assert service.total.before.numerator == alone.total.numerator


def test_diff_in_text_json_and_xlsx(capsys, tmp_path):
    base = ["diff", "--from", "2016", "--to", "2024", "--period", "2018", "--standard", "ibu_hamil"]
    code, out, err = run_cli(capsys, *base)
    assert code == 0
    assert "dihitung menurut 2016, tidak menurut 2024" in out and "Selisih" in out
    assert "SEMENTARA" in err
    code, out, _ = run_cli(capsys, *base, "--format", "json")
    doc = json.loads(out)
    (svc,) = doc["services"]
    assert svc["standard"] == "ibu_hamil" and doc["to"]["status"] == "provisional"
    total = next(f for f in svc["facilities"] if f["facility"] == "*")
    assert total["from"]["numerator"] - total["to"]["numerator"] == sum(
        1 for c in svc["changes"] if c["from"] == "counted" and c["to"] == "not_counted"
    ) - sum(1 for c in svc["changes"] if c["from"] == "not_counted" and c["to"] == "counted")
    assert all(c["text"] for c in svc["changes"])
    out_file = tmp_path / "diff.xlsx"
    code, _out, _ = run_cli(capsys, *base, "--format", "xlsx", "--output", str(out_file), "--mask-nik")
    assert code == 0
    wb = load_workbook(out_file)
    assert [ws.title for ws in wb.worksheets] == ["Ringkasan", "Perubahan", "Aturan"]


def test_a_register_made_for_one_set_lacks_a_field_another_needs_without_crashing(tmp_path):
    """No birth time in the register: KN1 is not recorded under 2024, not an error."""
    data = write_register(
        tmp_path / "d",
        {
            "penduduk": [{"nik": "3216010510240001", "jenis_kelamin": "L", "tanggal_lahir": "2024-10-05"}],
            "kunjungan_neonatal": [
                {"nik": "3216010510240001", "tanggal": t, "penolong": "bidan"}
                for t in ("2024-10-06", "2024-10-09", "2024-10-20")
            ],
        },
    )
    report = run_check(bundled_library(), data, "2024", ["bayi_baru_lahir"], rule_set="2024").reports[0]
    (verdict,) = report.verdicts
    kn1 = next(n for n in verdict.criteria if n.id == "kn1")
    assert not verdict.counted and kn1.status == "not_met"
    assert kn1.missing or any(f.kind in ("any", "missing") for f in kn1.facts)


def test_a_copied_set_without_its_shared_folder_says_what_is_missing(tmp_path):
    shutil.copytree(bundled_rules(), tmp_path / "alone")
    with pytest.raises(RuleError) as err:
        load_rules(tmp_path / "alone")
    assert "E108" in {d.code for d in err.value.diagnostics}


def test_reports_name_input_files_without_local_paths(tmp_path, monkeypatch, capsys):
    """Run from elsewhere: files are named `data-folder/file`, never by an absolute path."""
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsys, "check", "--standard", "usia_produktif", "--format", "json")
    assert code == 0
    assert str(bundled_sample().resolve()) not in out
    assert "sample/sasaran.csv" in out
    doc = json.loads(out)
    assert doc["in_force"] is True


def _fixture_records(name: str) -> dict[str, list[dict]]:
    import yaml

    doc = yaml.safe_load((bundled_rules() / "tests" / f"{name}.test.yaml").read_text(encoding="utf-8"))
    return {
        kind: [{k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()} for row in rows]
        for kind, rows in doc["records"].items()
    }


def test_one_register_under_the_three_sets_differs_where_the_texts_differ(tmp_path):
    """A newborn with one neonatal visit on day 1 (the 2016 essential package complete) and a
    person screened fully by 2016's list without education or family planning: counted under
    2016; under 2019 and 2024 the newborn lacks KN2 and KN3; under 2024 the screening lacks
    education and family planning."""
    tables: dict[str, list[dict]] = {}
    for name in ("bayi_baru_lahir", "usia_produktif"):
        for kind, rows in _fixture_records(name).items():
            tables.setdefault(kind, []).extend(rows)
    data = write_register(tmp_path / "d", tables)
    runs = {
        version: {
            r.standard.id: r
            for r in run_check(
                bundled_library(), data, "2018", ["bayi_baru_lahir", "usia_produktif"], rule_set=version
            ).reports
        }
        for version in ("2016", "2019", "2024")
    }

    def verdict(version: str, sid: str, subject: str):
        return next(v for v in runs[version][sid].verdicts if v.subject == subject)

    baby = {v: verdict(v, "bayi_baru_lahir", "3216010510180001") for v in runs}
    assert baby["2016"].counted
    for version in ("2019", "2024"):
        failed = failed_ids(baby[version].criteria)
        assert not baby[version].counted
        assert {"kn2", "kn3"} <= set(failed), (version, failed)
    adult = {v: verdict(v, "usia_produktif", "3216011005800001") for v in runs}
    assert adult["2016"].counted
    assert not adult["2024"].counted and failed_ids(adult["2024"].criteria) == ["edukasi"]
    # diff says the same, subject by subject
    result = run_diff(bundled_library(), "2016", "2024", data, "2018", ["bayi_baru_lahir", "usia_produktif"])
    changed = {s.standard_id: [(c.before, c.after) for c in s.changes] for s in result.services}
    assert changed == {
        "bayi_baru_lahir": [(State.COUNTED, State.NOT_COUNTED)],
        "usia_produktif": [(State.COUNTED, State.NOT_COUNTED)],
    }


def test_a_set_may_take_another_sets_standard_as_it_is():
    """The 2024 set counts the services whose 2024 criteria are unknown by the 2019 standards:
    the files are loaded without their `ruleset`, and reports name 4/2019 as their basis."""
    rs = load_rules(bundled_library() / "permenkes-6-2024")
    assert rs.name == "spm_2024" and rs.provisional
    assert len(rs.standards) == 12
    assert rs.standards["balita"].header.regulation == "Permenkes 4/2019"
    assert rs.standards["ibu_hamil"].header.version == "2024"
    assert "permenkes-4-2019" in rs.standards["tb"].file
