"""`explain` at city scale reads only the subject's rows (registers/prefilter.py): the verdict,
its criteria and the records named must be exactly those of a full read, for every subject."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import shutil
from pathlib import Path

import pytest

from spm_rules.api import explain_person, open_subject_register, prepare_data, rules_for
from spm_rules.cli.main import main
from spm_rules.registers.contract import load_contract
from spm_rules.registers.prefilter import _line_numbers, id_fields, key_parts
from spm_rules.registers.readers import read_folder, read_subject
from spm_rules.report.render_json import verdict_json
from spm_rules.resources import bundled_library, bundled_sample

ROOT = Path(__file__).resolve().parents[1]


def _make_city():
    spec = importlib.util.spec_from_file_location("make_city", ROOT / "scripts" / "make_city.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_city


def _subjects(register, rs) -> list[str]:
    """Every subject key of every standard (the person's NIK where the kind has one)."""
    keys: set[str] = set()
    for std in rs.standards.values():
        kind = register.contract.kinds.get(std.subject_kind or "")
        if kind is None:
            continue
        for rec in register.of_kind(kind.name):
            keys.add(str(rec.get(kind.key) or rec.get("nik") or rec.get("id_lokal")))
    return sorted(keys)


def _explained(rs, register, key: str, period: str) -> list[dict]:
    return [verdict_json(std, v) for std, v in explain_person(rs, register, key, period)]


def _assert_same_for_every_subject(folder: Path, period: str, every: int = 1) -> int:
    source = prepare_data(folder)
    full = read_folder(source.folder, load_contract(), also=source.also)
    rs, _choice = rules_for(bundled_library(), None, period)
    keys = _subjects(full, rs)[::every]
    assert keys
    for key in keys:
        sliced = read_subject(source.folder, key, load_contract(), also=source.also)
        assert _explained(rs, sliced, key, period) == _explained(rs, full, key, period), key
        assert sliced.rows_read <= full.rows_read
    return len(keys)


def test_every_subject_of_the_sample_is_explained_as_by_a_full_read():
    assert _assert_same_for_every_subject(bundled_sample(), "2018") > 30


def test_twelve_services_of_a_small_city_are_explained_as_by_a_full_read(tmp_path):
    _make_city()(tmp_path / "city", 0.0005)
    assert _assert_same_for_every_subject(tmp_path / "city", "2018", every=7) > 100


def test_the_2019_worked_example_with_episodes_is_explained_as_by_a_full_read():
    assert _assert_same_for_every_subject(ROOT / "reports_in" / "contoh-2019" / "A", "2019", every=25) > 20


def test_line_numbers_count_every_line_ending_as_the_reader_does():
    raw = b"h\r\na\rb\n\nc\r\nd"
    starts = [raw.index(x) for x in (b"a", b"b", b"c", b"d")]
    assert _line_numbers(raw, starts) == [2, 3, 5, 6]


def test_only_the_subjects_rows_are_read_and_they_keep_their_line_numbers(tmp_path):
    shutil.copytree(bundled_sample(), tmp_path / "d")
    anc = tmp_path / "d" / "kunjungan_anc.csv"
    anc.write_bytes(anc.read_bytes().replace(b"\n", b"\r\n"))  # Windows line ends
    sliced = read_subject(tmp_path / "d", "KH-2018-01", load_contract())
    full = read_folder(tmp_path / "d", load_contract())
    assert 0 < sliced.rows_read < full.rows_read / 5
    lines = {str(r.ref) for r in sliced.of_kind("kunjungan_anc")}
    assert lines and lines <= {str(r.ref) for r in full.of_kind("kunjungan_anc")}


def test_a_file_with_quotes_is_parsed_then_filtered_and_the_verdict_is_the_same(tmp_path):
    shutil.copytree(bundled_sample(), tmp_path / "d")
    anc = tmp_path / "d" / "kunjungan_anc.csv"
    rows = list(csv.reader(io.StringIO(anc.read_text()), delimiter=";"))
    rows[4][-1] = "catatan\ndua baris"  # a quoted cell over two lines
    out = io.StringIO()
    csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    anc.write_text(out.getvalue())
    rs, _ = rules_for(bundled_library(), None, "2018")
    full = read_folder(tmp_path / "d", load_contract())
    sliced = read_subject(tmp_path / "d", "KH-2018-01", load_contract())
    assert 0 < len(sliced.of_kind("kunjungan_anc")) < len(full.of_kind("kunjungan_anc"))
    assert _explained(rs, sliced, "KH-2018-01", "2018") == _explained(rs, full, "KH-2018-01", "2018")


def test_identifiers_searched_are_the_contracts_not_the_facility():
    contract = load_contract()
    assert id_fields(contract.kinds["kehamilan"]) >= {"id_kehamilan", "nik", "id_lokal"}
    assert "fasilitas" not in id_fields(contract.kinds["kehamilan"])
    assert "nik_ibu" in id_fields(contract.kinds["penduduk"])
    assert "tahun_ajaran" not in id_fields(contract.kinds["pendaftaran_sekolah"])
    assert key_parts("PKM Setu#0042") == {"0042"}


def test_too_many_identifiers_read_everything(tmp_path, monkeypatch):
    monkeypatch.setattr("spm_rules.registers.prefilter.MAX_KEYS", 1)
    register = open_subject_register(bundled_sample(), "KH-2018-01", load_contract())
    assert register.rows_read == read_folder(bundled_sample(), load_contract()).rows_read


@pytest.mark.parametrize("subject", ["KH-2018-01", "3216014101900100"])
def test_explain_with_a_period_gives_the_same_answer(subject, capsys):
    assert main(["explain", "--subject", subject, "--period", "2018", "--format", "json"]) == 0
    sliced = json.loads(capsys.readouterr().out)
    assert main(["explain", "--subject", subject, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == sliced


def test_an_unknown_subject_still_gets_the_hint_with_a_period(capsys):
    assert main(["explain", "--subject", "3216014101900101", "--period", "2018"]) == 2
    assert "3216014101900100" in capsys.readouterr().err
