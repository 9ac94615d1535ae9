"""Parquet registers: read through DuckDB into the same rows of text a CSV export gives, so the
same contract, the same checks and the same verdicts apply; a damaged file is refused in words."""

from __future__ import annotations

import json
import shutil

import duckdb

from spm_rules.cli.main import main
from spm_rules.registers.contract import load_contract
from spm_rules.registers.readers import read_folder
from spm_rules.registers.tables import read_tables
from spm_rules.resources import bundled_sample


def _as_parquet(tmp_path, typed: bool):
    """The bundled sample with every CSV file written as Parquet (typed: DuckDB's own column
    types — dates as DATE, numbers as numbers — or every column as text)."""
    folder = tmp_path / ("typed" if typed else "text")
    shutil.copytree(bundled_sample(), folder)
    con = duckdb.connect()
    for csv_file in sorted(folder.glob("*.csv")):
        options = "" if typed else ", all_varchar = true"
        source = f"SELECT * FROM read_csv('{csv_file}', header = true{options})"
        con.execute(f"COPY ({source}) TO '{csv_file.with_suffix('.parquet')}' (FORMAT parquet)")
        csv_file.unlink()
    con.close()
    return folder


def _counts(folder, capsys) -> list:
    assert main(["check", "--data", str(folder), "--period", "2018", "--format", "json"]) in (0, 1)
    doc = json.loads(capsys.readouterr().out)
    return [
        (s["id"], [(f["facility"], f["denominator"], f["numerator"]) for f in s["facilities"]])
        for s in doc["standards"]
    ]


def test_the_sample_as_parquet_gives_the_same_verdicts(tmp_path, capsys):
    csv_counts = _counts(bundled_sample(), capsys)
    assert _counts(_as_parquet(tmp_path, typed=False), capsys) == csv_counts
    assert _counts(_as_parquet(tmp_path, typed=True), capsys) == csv_counts


def _lines(register) -> list[tuple[str, int]]:
    refs = [r.ref for r in register.of_kind("kehamilan")]
    return sorted((ref.file.rsplit("/", 1)[-1].split(".")[0], ref.line) for ref in refs)


def test_parquet_rows_are_numbered_like_a_csv_export(tmp_path):
    folder = _as_parquet(tmp_path, typed=True)
    register = read_folder(folder, load_contract())
    csv_register = read_folder(bundled_sample(), load_contract())
    refs = sorted(
        (r.ref.file.split("/")[-1].split(".")[0], r.ref.line) for r in register.of_kind("kehamilan")
    )
    csv_refs = sorted(
        (r.ref.file.split("/")[-1].split(".")[0], r.ref.line) for r in csv_register.of_kind("kehamilan")
    )
    assert refs == csv_refs
    assert register.rows_read == csv_register.rows_read


def test_a_truncated_parquet_file_is_refused_in_plain_words(tmp_path, capsys):
    folder = _as_parquet(tmp_path, typed=True)
    target = folder / "kehamilan.parquet"
    target.write_bytes(target.read_bytes()[:200])
    assert main(["validate", str(folder)]) != 0
    out = capsys.readouterr()
    text = out.out + out.err
    assert "kehamilan.parquet" in text and "Parquet" in text
    assert "Traceback" not in text


def test_a_refused_parquet_file_is_named_as_reports_name_files(tmp_path):
    """No local path in the message (a report shared with another office names none)."""
    folder = _as_parquet(tmp_path, typed=True)
    target = folder / "kehamilan.parquet"
    target.write_bytes(target.read_bytes()[:200])
    (table,) = read_tables(target, "data/kehamilan.parquet")
    (problem,) = table.problems
    assert problem.fatal and table.rows == []
    assert problem.message_en.startswith("not a valid Parquet file (damaged or truncated?)")
    assert str(tmp_path) not in problem.message + problem.message_en
