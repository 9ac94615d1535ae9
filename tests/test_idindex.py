"""The identifier index (registers/idindex.py, `spm-rules index`): `explain` looks a subject's
rows up instead of searching every file's bytes, and says exactly what it said without it —
the same bytes for the golden cases of tests/test_explain_fast.py, the same verdict as a full
read for every subject — while a file changed since, a file with quotes or a hash twin change
nothing but the speed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from spm_rules.api import prepare_data, rules_for
from spm_rules.cli.main import main
from spm_rules.registers import idindex
from spm_rules.registers.contract import load_contract
from spm_rules.registers.readers import index_folder, read_folder, read_subject
from spm_rules.resources import bundled_library, bundled_sample

from .test_explain_fast import _cases
from .test_explain_fast import _explained as _hash_of_explain
from .test_explain_fast import city as city
from .test_parquet import _as_parquet
from .test_prefilter import _assert_same_for_every_subject, _explained, _make_city

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Each test its own index folder (the user's cache is never touched)."""
    monkeypatch.setattr(idindex, "cache_root", lambda: tmp_path / "cache")


@pytest.fixture
def lookups(monkeypatch) -> list[set[str]]:
    """The keys looked up in an index, round by round."""
    seen: list[set[str]] = []
    original = idindex.Index.lookup

    def spy(self, keys):
        seen.append(set(keys))
        return original(self, keys)

    monkeypatch.setattr(idindex.Index, "lookup", spy)
    return seen


def test_the_sample_indexed_is_explained_byte_for_byte_as_before(capsys, monkeypatch, lookups):
    monkeypatch.chdir(ROOT)
    assert main(["index", "--data", "reports_in/sample"]) == 0
    assert "file diindeks" in capsys.readouterr().out
    different = [
        f"{subject} {variant}"
        for subject, variant, digest in _cases("sample")
        if _hash_of_explain(capsys, Path("reports_in/sample"), subject, variant) != digest
    ]
    assert not different
    assert lookups  # the index answered, not the byte search


def test_a_small_city_indexed_is_explained_byte_for_byte_as_before(capsys, city, lookups):
    assert main(["index", "--data", str(city), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "files indexed" in out and "not indexed" not in out
    different = [
        f"{subject} {variant}"
        for subject, variant, digest in _cases("city")
        if _hash_of_explain(capsys, city, subject, variant) != digest
    ]
    assert not different
    assert lookups


def _same_as_a_full_read(folder: Path, period: str, every: int = 1) -> int:
    """test_prefilter's check of every subject, the folder indexed first."""
    source = prepare_data(folder)
    index_folder(source.folder, load_contract(), also=source.also)
    return _assert_same_for_every_subject(folder, period, every)


def test_every_subject_of_the_sample_through_the_index_as_by_a_full_read(lookups):
    assert _same_as_a_full_read(bundled_sample(), "2018") > 50
    assert len(lookups) > 50


def test_twelve_services_of_a_small_city_through_the_index_as_by_a_full_read(tmp_path, lookups):
    _make_city()(tmp_path / "c", 0.001)
    assert _same_as_a_full_read(tmp_path / "c", "2018", every=7) > 100
    assert lookups


def test_the_2019_worked_example_through_the_index_as_by_a_full_read(lookups):
    assert _same_as_a_full_read(ROOT / "reports_in" / "contoh-2019" / "A", "2019", every=25) > 20
    assert lookups


def test_every_entry_names_the_line_and_its_offset(tmp_path):
    """CRLF and LF, blank lines, a BOM, a short row, spaces around a cell, a UTF-8 name."""
    folder = tmp_path / "d"
    folder.mkdir()
    raw = (
        "\ufeffnik,nama,tanggal_lahir,jenis_kelamin,nik_ibu\r\n"
        "3201010101900001,Ani,1990-01-01,P,\r\n"
        "\n"
        " 3201010101900002 ,Bérénice,1990-01-02,P,3201010101600001\n"
        "3201010101900003,Budi\r\n"
        "3201010101900004,Cici,1990-01-04,P,\u00a03201010101600002\u2003\n"
    ).encode()
    (folder / "penduduk.csv").write_bytes(raw)
    report = index_folder(folder, load_contract())
    assert [f.path for f in report.files] == [str((folder / "penduduk.csv").resolve())]
    lines = raw.split(b"\n")
    starts = [sum(len(x) + 1 for x in lines[:i]) for i in range(len(lines))]
    con = duckdb.connect()
    rows = con.execute(
        "SELECT n, off FROM read_parquet(?) ORDER BY n", [str(report.location / idindex.IDS)]
    ).fetchall()
    assert {n for n, _ in rows} == {2, 4, 5, 6}
    for n, off in rows:
        assert off == starts[n - 1]
    index = idindex.open_index(folder)
    assert index is not None
    hits = index.lookup({"3201010101900002", "3201010101600002", "Budi"})
    assert sorted(n for n, _ in hits[0]) == [4, 5, 6]  # "Budi": every cell of the short row


def test_a_file_changed_since_is_searched_by_bytes_and_explain_says_so(tmp_path, capsys):
    shutil.copytree(bundled_sample(), tmp_path / "d")
    assert main(["index", "--data", str(tmp_path / "d")]) == 0
    capsys.readouterr()
    anc = tmp_path / "d" / "kunjungan_anc.csv"
    text = anc.read_text(encoding="utf-8")
    first = next(line for line in text.splitlines()[1:] if line.startswith("KH-2018-01;"))
    anc.write_text(text + first.replace("KH-2018-01;", "KH-2018-01;", 1) + "\n", encoding="utf-8")
    sliced = read_subject(tmp_path / "d", "KH-2018-01", load_contract())
    full = read_folder(tmp_path / "d", load_contract())
    rs, _ = rules_for(bundled_library(), None, "2018")
    assert _explained(rs, sliced, "KH-2018-01", "2018") == _explained(rs, full, "KH-2018-01", "2018")
    assert {str(r.ref) for r in sliced.of_kind("kunjungan_anc")} >= {
        str(r.ref) for r in full.of_kind("kunjungan_anc") if r.get("id_kehamilan") == "KH-2018-01"
    }
    code = main(["explain", "--data", str(tmp_path / "d"), "--subject", "KH-2018-01", "--period", "2018"])
    assert code == 0
    err = capsys.readouterr().err
    assert "indeks pengenal usang untuk 1 file (kunjungan_anc.csv)" in err


def test_a_file_with_quotes_is_not_indexed_and_still_read(tmp_path, capsys):
    shutil.copytree(bundled_sample(), tmp_path / "d")
    anc = tmp_path / "d" / "kunjungan_anc.csv"
    anc.write_text(anc.read_text(encoding="utf-8").replace("ya", '"ya"', 1), encoding="utf-8")
    assert main(["index", "--data", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "kunjungan_anc.csv: tidak diindeks (berisi tanda kutip" in out
    rs, _ = rules_for(bundled_library(), None, "2018")
    full = read_folder(tmp_path / "d", load_contract())
    sliced = read_subject(tmp_path / "d", "KH-2018-01", load_contract())
    assert _explained(rs, sliced, "KH-2018-01", "2018") == _explained(rs, full, "KH-2018-01", "2018")


def test_a_hash_twin_keeps_no_line(tmp_path, monkeypatch):
    """The index names lines by a 64-bit hash: a line named that does not hold the key is
    dropped, as the byte search would never have found it."""
    shutil.copytree(bundled_sample(), tmp_path / "d")
    index_folder(tmp_path / "d", load_contract())
    original = idindex.Index.lookup

    def twins(self, keys):
        found = original(self, keys)
        for number, entry in enumerate(self.files.values()):
            assert entry.number == number
            found.setdefault(number, []).append((entry.header_line + 1, entry.body))  # any first row
        return found

    monkeypatch.setattr(idindex.Index, "lookup", twins)
    sliced = read_subject(tmp_path / "d", "KH-2018-01", load_contract())
    monkeypatch.setattr(idindex.Index, "lookup", original)
    plain = read_subject(tmp_path / "d", "KH-2018-01", load_contract())
    assert [str(e.ref) for e in sliced.entries] == [str(e.ref) for e in plain.entries]


def test_another_mapping_makes_the_entry_stale(tmp_path):
    shutil.copytree(bundled_sample(), tmp_path / "d")
    index_folder(tmp_path / "d", load_contract())
    index = idindex.open_index(tmp_path / "d")
    assert index is not None
    entry = index.files[str((tmp_path / "d" / "penduduk.csv").resolve())]
    moved = idindex.FileEntry(**{**idindex.asdict(entry), "columns": (99,)})
    index.files[entry.path] = moved
    from spm_rules.registers.mapping import Mapping

    assert index.entry(tmp_path / "d" / "penduduk.csv", 1, Mapping(), load_contract()) is None
    assert index.stale == ["penduduk.csv"]


@pytest.mark.parametrize("damage", ["garbage", "format", "duckdb", "parquet"])
def test_a_damaged_or_foreign_index_is_ignored(tmp_path, damage, capsys, monkeypatch):
    shutil.copytree(bundled_sample(), tmp_path / "d")
    report = index_folder(tmp_path / "d", load_contract())
    meta = report.location / idindex.META
    doc = json.loads(meta.read_text())
    if damage == "garbage":
        meta.write_text("{not json")
    elif damage == "format":
        meta.write_text(json.dumps({**doc, "format": 0}))
    elif damage == "duckdb":
        meta.write_text(json.dumps({**doc, "duckdb": "0.0.1"}))
    else:
        (report.location / idindex.IDS).unlink()
    assert idindex.open_index(tmp_path / "d") is None
    full = read_folder(tmp_path / "d", load_contract())
    sliced = read_subject(tmp_path / "d", "KH-2018-01", load_contract())
    rs, _ = rules_for(bundled_library(), None, "2018")
    assert _explained(rs, sliced, "KH-2018-01", "2018") == _explained(rs, full, "KH-2018-01", "2018")
    args = ["explain", "--data", str(tmp_path / "d"), "--subject", "KH-2018-01", "--period", "2018"]
    assert main(args) == 0
    assert "dibuat oleh versi lain atau rusak" in capsys.readouterr().err  # and how to mend it
    monkeypatch.setenv("SPM_RULES_NO_INDEX", "1")  # turned off on purpose: nothing to say
    assert main(args) == 0
    assert "spm-rules index" not in capsys.readouterr().err


def test_the_index_is_private_and_can_be_removed(tmp_path, capsys):
    shutil.copytree(bundled_sample(), tmp_path / "d")
    assert main(["index", "--data", str(tmp_path / "d")]) == 0
    where = idindex.location(tmp_path / "d")
    assert where.is_dir() and not any((tmp_path / "d").glob("*.parquet"))
    assert all(f.stat().st_mode & 0o077 == 0 for f in where.iterdir())
    assert where.stat().st_mode & 0o077 == 0
    for f in where.iterdir():  # no identifier in clear
        assert b"KH-2018-01" not in f.read_bytes() and b"3216014101900100" not in f.read_bytes()
    capsys.readouterr()
    assert main(["index", "--data", str(tmp_path / "d"), "--remove"]) == 0
    assert capsys.readouterr().out.strip() == "indeks dihapus"
    assert not where.exists()
    assert main(["index", "--data", str(tmp_path / "d"), "--remove", "--lang", "en"]) == 0
    assert capsys.readouterr().out.strip() == "there was no index"


def test_a_large_folder_without_an_index_gets_a_hint(capsys, monkeypatch):
    monkeypatch.setattr(idindex, "LARGE", 1)
    assert main(["explain", "--subject", "KH-2018-01", "--period", "2018", "--lang", "en"]) == 0
    assert "spm-rules index --data" in capsys.readouterr().err


def test_a_missing_folder_is_a_plain_error(tmp_path, capsys):
    assert main(["index", "--data", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "nowhere" in err


def test_a_large_folder_without_a_period_is_told_how_to_read_less(capsys, monkeypatch):
    monkeypatch.setattr(idindex, "LARGE", 1)
    assert main(["explain", "--subject", "KH-2018-01"]) == 0
    err = capsys.readouterr().err
    assert "tambahkan --period TAHUN" in err and "spm-rules index" not in err


@pytest.mark.parametrize("typed", [True, False])
def test_parquet_registers_through_the_index_as_by_a_full_read(tmp_path, lookups, typed):
    """Parquet files are indexed by their rows' numbers; the rows named are fetched through
    DuckDB and made text as the reader makes them (typed: NIKs as integers, dates as DATE)."""
    folder = _as_parquet(tmp_path, typed)
    report = index_folder(folder, load_contract())
    assert [s.why_en for s in report.skipped] == ["a kind without identifiers: read whole"]  # sasaran
    assert {f.format for f in report.files} == {"parquet"}
    assert _assert_same_for_every_subject(folder, "2018") > 50
    assert lookups
    sliced = read_subject(folder, "KH-2018-01", load_contract())
    assert 0 < sliced.rows_read < read_folder(folder, load_contract()).rows_read / 5


def test_a_parquet_identifier_of_another_type_is_not_indexed(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    con = duckdb.connect()
    target = folder / "penduduk.parquet"
    con.execute(
        "COPY (SELECT 3201010101900001.0::DOUBLE AS nik, 'Ani' AS nama, DATE '1990-01-01' AS tanggal_lahir, "
        f"'P' AS jenis_kelamin) TO '{target}' (FORMAT parquet)"
    )
    con.close()
    report = index_folder(folder, load_contract())
    skipped = [(s.name, s.why_en) for s in report.skipped]
    assert skipped == [("p/penduduk.parquet", "identifier column nik is DOUBLE")]
