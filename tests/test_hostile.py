"""Hostile and damaged input: every physical record accounted for, identity never doubled,
limits instead of exhaustion, exit codes as promised, outputs written safely, same bytes
every run — and never a traceback."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from spm_rules.api import run_check
from spm_rules.cli.main import main
from spm_rules.model import Fate
from spm_rules.registers.readers import read_folder
from spm_rules.report.catalogue import say
from spm_rules.resources import bundled_rules, bundled_sample

PEOPLE_HEAD = "nik,nama,jenis_kelamin,tanggal_lahir,wilayah\n"
PERSON = "3216015203900001,Ibu,P,1990-03-12,PKM A\n"


def folder_with(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    d = tmp_path / "data"
    d.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (d / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return d


def cli(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


def texts(reg) -> str:
    return "\n".join(say(p.reason) for p in reg.problems)


# ---- every physical record is accounted for --------------------------------------------------


def test_a_utf16_file_counts_its_lines_as_rejected(tmp_path):
    body = PEOPLE_HEAD + PERSON + PERSON.replace("0001", "0002")
    d = folder_with(tmp_path, {"penduduk.csv": body.encode("utf-16")})
    reg = read_folder(d)
    assert (reg.rows_read, reg.rows_rejected) == (2, 2)
    assert "UTF-16" in texts(reg)


def test_strict_fails_when_a_whole_file_is_refused(tmp_path, capsys):
    d = tmp_path / "data"
    shutil.copytree(bundled_sample(), d)
    (d / "kehamilan.csv").write_bytes((d / "kehamilan.csv").read_text().encode("utf-16"))
    code, _ = cli(capsys, "check", "--data", str(d), "--period", "2018", "--strict")
    assert code == 2


def test_after_a_csv_error_reading_goes_on_at_the_next_line(tmp_path):
    body = PEOPLE_HEAD + PERSON + '3216015203900002,"Ibu "B,P,1990-03-12,PKM A\n'
    body += "".join(f"32160152039001{i:02d},Ibu,P,1990-03-12,PKM A\n" for i in range(10))
    reg = read_folder(folder_with(tmp_path, {"penduduk.csv": body}))
    assert reg.rows_read == 12 and reg.rows_rejected == 1
    assert len(reg.of_kind("penduduk")) == 11
    assert "baris 3" in texts(reg)


def test_an_unclosed_quote_rejects_one_line_not_the_rest_of_the_file(tmp_path):
    body = PEOPLE_HEAD + '"3216015203900001,Ibu,P,1990-03-12,PKM A\n' + PERSON.replace("0001", "0002")
    reg = read_folder(folder_with(tmp_path, {"penduduk.csv": body}))
    assert (reg.rows_read, reg.rows_rejected) == (2, 1)


def test_mixed_utf8_and_cp1252_is_reported_never_silent(tmp_path):
    body = (PEOPLE_HEAD + "3216015203900001,Siti Zulaikhā,P,1990-03-12,PKM A\n").encode()
    body += "3216015203900002,José,P,1990-03-12,PKM A\n".encode("cp1252")
    reg = read_folder(folder_with(tmp_path, {"penduduk.csv": body}))
    assert reg.rows_read == 2
    warnings = [say(p.reason) for p in reg.problems if p.severity == "warning"]
    assert any("mencampur UTF-8 dan Windows-1252" in w and "baris 3" in w for w in warnings)


@pytest.mark.parametrize("name", ["penduduk.xls", "penduduk.tsv", "catatan.txt"])
def test_unsupported_files_are_reported_and_fail_strict(tmp_path, capsys, name):
    d = tmp_path / "data"
    shutil.copytree(bundled_sample(), d)
    (d / name).write_text("nik\tnama\n", encoding="utf-8")
    reg = read_folder(d)
    assert any(name in p.file and p.reason.code == "table.unsupported" for p in reg.problems)
    code, _ = cli(capsys, "check", "--data", str(d), "--period", "2018", "--strict")
    assert code == 2
    code, _ = cli(capsys, "check", "--data", str(d), "--period", "2018")
    assert code == 0


def _xlsx(path: Path, rows: list[list]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "penduduk"
    for row in rows:
        ws.append(row)
    wb.save(path)


def test_xlsx_rows_beyond_a_stored_dimension_are_read(tmp_path):
    rows = [["nik", "nama", "jenis_kelamin", "tanggal_lahir"]]
    rows += [[f"32160152039{i:05d}", "Ibu", "P", "1990-03-12"] for i in range(1, 58)]
    path = tmp_path / "data" / "orang.xlsx"
    path.parent.mkdir()
    _xlsx(path, rows)
    # shrink the stored <dimension> to A1:D10, as some exporters write it
    with zipfile.ZipFile(path) as zin:
        parts = {n: zin.read(n) for n in zin.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/sheet"))
    xml = parts[sheet].decode()
    start = xml.index("<dimension ref=")
    end = xml.index("/>", start) + 2
    parts[sheet] = (xml[:start] + '<dimension ref="A1:D10"/>' + xml[end:]).encode()
    with zipfile.ZipFile(path, "w") as zout:
        for n, data in parts.items():
            zout.writestr(n, data)
    reg = read_folder(path.parent)
    assert reg.rows_read == 57


def test_a_numeric_nik_that_lost_precision_is_rejected(tmp_path):
    path = tmp_path / "data" / "orang.xlsx"
    path.parent.mkdir()
    _xlsx(
        path,
        [["nik", "nama", "jenis_kelamin", "tanggal_lahir"], [3.2160152039e15, "Ibu", "P", "1990-03-12"]],
    )
    reg = read_folder(path.parent)
    assert reg.rows_rejected == 1
    assert "kehilangan digit" in texts(reg) and not reg.of_kind("penduduk")


@pytest.mark.parametrize(
    "content, words",
    [
        (b"this is not a zip", "bukan file XLSX yang sah"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "terkunci kata sandi"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused_in_plain_words(tmp_path, capsys, content, words):
    d = folder_with(tmp_path, {"penduduk.xlsx": content})
    assert words in texts(read_folder(d))
    code, out = cli(capsys, "validate", str(d))
    assert code == 1 and words in out


def test_a_truncated_or_malformed_workbook_is_refused(tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    _xlsx(
        good,
        [["nik", "nama", "jenis_kelamin", "tanggal_lahir"], ["3216015203900001", "Ibu", "P", "1990-03-12"]],
    )
    raw = good.read_bytes()
    d = folder_with(tmp_path, {"penduduk.xlsx": raw[: len(raw) // 2]})
    code, _ = cli(capsys, "validate", str(d))
    assert code == 1
    with zipfile.ZipFile(good) as zin:
        parts = {n: zin.read(n) for n in zin.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/sheet"))
    parts[sheet] = parts[sheet][:-40]  # cut the XML
    bad = tmp_path / "data" / "penduduk.xlsx"
    with zipfile.ZipFile(bad, "w") as zout:
        for n, data in parts.items():
            zout.writestr(n, data)
    code, out = cli(capsys, "validate", str(d))
    assert code == 1 and ("tidak dapat dibaca" in out or "tidak sah" in out)


def test_a_part_that_would_inflate_past_the_limit_is_refused_before_inflating(tmp_path, capsys):
    path = tmp_path / "data" / "penduduk.xlsx"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (3 * 1024 * 1024))
    code, out = cli(capsys, "validate", str(path.parent), "--limit", "xlsx_part_mb=1")
    assert code == 1 and "xlsx_part_mb=1" in out and "--limit xlsx_part_mb=N" in out


def test_a_deeply_nested_json_row_and_a_huge_number_are_rows_rejected(tmp_path):
    rows = [
        json.dumps({"nik": "3216015203900001", "jenis_kelamin": "P", "tanggal_lahir": "1990-03-12"}),
        '{"nik": ' + "[" * 100_000 + "]" * 100_000 + "}",
        json.dumps({"nik": "3216015203900003", "jenis_kelamin": "P", "tanggal_lahir": "1990-03-12"}),
    ]
    d = folder_with(tmp_path, {"penduduk.jsonl": "\n".join(rows) + "\n"})
    reg = read_folder(d)
    assert (reg.rows_read, reg.rows_rejected) == (3, 1)
    big = "9" * 5000
    d2 = folder_with(
        tmp_path / "b",
        {
            "skrining_ptm.csv": "nik,tanggal,fasilitas,petugas,sistolik\n"
            f"3216015203900001,2018-03-01,A,perawat,{big}\n"
        },
    )
    reg = read_folder(d2)
    assert reg.rows_rejected == 1 and "number_digits" in texts(reg)


# ---- identity is never doubled ----------------------------------------------------------------


def test_the_same_nik_twice_in_penduduk_is_one_subject(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(bundled_sample(), d)
    once = run_check(bundled_rules(), d, "2018", ["usia_produktif"]).reports[0].total.subjects
    lines = (d / "penduduk.csv").read_text().splitlines(keepends=True)
    person = next(ln for ln in lines if ln.startswith("32160102018"))
    # the same person again, with a field the first row left empty filled in
    (d / "penduduk.csv").write_text("".join(lines) + person.replace(",PKM", ",PKM"), encoding="utf-8")
    result = run_check(bundled_rules(), d, "2018", ["usia_produktif"])
    assert result.reports[0].total.subjects == once
    assert any(p.reason.code == "cross.duplicate" for p in result.register.problems)


def test_conflicting_rows_for_one_subject_are_not_merged(tmp_path):
    body = PEOPLE_HEAD + PERSON + "3216015203900001,Ibu,L,1990-03-12,PKM A\n"
    reg = read_folder(folder_with(tmp_path, {"penduduk.csv": body}))
    assert len(reg.of_kind("penduduk")) == 1 and reg.rows_rejected == 1
    problem = next(p for p in reg.problems if p.reason.code == "cross.same_subject_conflict")
    assert "jenis_kelamin: P / L" in say(problem.reason)


def test_agreeing_rows_for_one_subject_are_merged(tmp_path):
    body = PEOPLE_HEAD + "3216015203900001,Ibu,P,1990-03-12,\n" + "3216015203900001,,P,1990-03-12,PKM A\n"
    reg = read_folder(folder_with(tmp_path, {"penduduk.csv": body}))
    (person,) = reg.of_kind("penduduk")
    assert person.get("nama") == "Ibu" and person.get("wilayah") == "PKM A"
    assert [e.fate for e in reg.entries] == [Fate.RECORD, Fate.DUPLICATE]


def test_the_same_pregnancy_id_twice_is_counted_once(tmp_path):
    d = tmp_path / "data"
    shutil.copytree(bundled_sample(), d)
    before = run_check(bundled_rules(), d, "2018", ["ibu_hamil"]).reports[0].total
    lines = (d / "kehamilan.csv").read_text().splitlines(keepends=True)
    again = lines[1].rstrip("\n").split(",")
    again[4] = ""  # the same pregnancy from another export, facility left empty
    (d / "kehamilan.csv").write_text("".join(lines) + ",".join(again) + "\n", encoding="utf-8")
    after = run_check(bundled_rules(), d, "2018", ["ibu_hamil"]).reports[0].total
    assert (after.subjects, after.numerator) == (before.subjects, before.numerator)


# ---- mappings are validated at their door -----------------------------------------------------


@pytest.mark.parametrize(
    "mapping, words",
    [
        ("tables:\n  - match: '*.csv'\n    kind: penduduk\n    header_row: abc\n", "header_row"),
        ("tables:\n  - match: '*.csv'\n    kind: penduduk\n    header_row: -9\n", "header_row"),
        ("tables:\n  - match: '*.csv'\n    kind: penduduk\n    constants: [a, b]\n", "constants"),
        ("values: [1, 2]\n", "values"),
        ("tables: 5\n", "tables"),
        (
            "tables:\n  - match: '*.csv'\n    kind: penduduk\n    columns: {A: nama, B: nama}\n",
            "sama-sama dipetakan",
        ),
        (
            "tables:\n  - match: '*.csv'\n    kind: penduduk\n    columns: {W: wilayah}\n"
            "    constants: {wilayah: X}\n",
            "diberi konstanta",
        ),
        (
            "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"b{i}: &b{i} [*a, *a, *a, *a]\n" for i in range(40)),
            "alias",
        ),
    ],
)
def test_bad_mappings_are_refused_naming_the_key(tmp_path, capsys, mapping, words):
    d = folder_with(tmp_path, {"penduduk.csv": PEOPLE_HEAD + PERSON})
    m = tmp_path / "m.yaml"
    m.write_text(mapping, encoding="utf-8")
    code, out = cli(capsys, "validate", str(d), "--mapping", str(m))
    assert code == 2 and words in out


def test_a_mapping_that_is_a_folder_or_missing_or_not_utf8_is_said_so(tmp_path, capsys):
    d = folder_with(tmp_path, {"penduduk.csv": PEOPLE_HEAD + PERSON})
    code, out = cli(capsys, "validate", str(d), "--mapping", str(tmp_path))
    assert code == 2 and "folder" in out
    code, out = cli(capsys, "validate", str(d), "--mapping", str(tmp_path / "nope.yaml"))
    assert code == 2 and "pemetaan tidak ditemukan" in out
    m = tmp_path / "m.yaml"
    m.write_bytes("values:\n  jenis_kelamin: {Perempuan: P, 'Laki²': L}\n".encode("cp1252"))
    code, out = cli(capsys, "validate", str(d), "--mapping", str(m))
    assert code == 2 and "UTF-8" in out


# ---- rules: limits instead of exhaustion ------------------------------------------------------

RULE = """\
source s "S"

standard dalam {{
  title "Dalam"
  cite s "1" line 1
  subject penduduk
  period year
  population {expr}
  attribute wilayah
  denominator counted
  criterion c "C" {{
    short "c"
    cite s "1" line 1
    require true
  }}
}}
"""


@pytest.mark.parametrize("command", ["lint", "fmt"])
def test_5000_nested_nots_meet_the_depth_limit_with_a_message(tmp_path, capsys, command):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "a.spm").write_text(RULE.format(expr="not " * 5000 + "true"), encoding="utf-8")
    code, out = cli(capsys, command, str(tmp_path / "r"))
    assert code in (1, 2) and "expression_depth" in out


def test_a_chain_of_1000_terms_is_fine(tmp_path, capsys):
    (tmp_path / "r").mkdir()
    chain = " and ".join(["true"] * 1000)
    (tmp_path / "r" / "a.spm").write_text(RULE.format(expr=chain), encoding="utf-8")
    code, out = cli(capsys, "check", "--rules", str(tmp_path / "r"), "--period", "2018")
    assert code == 0, out


def test_a_rule_file_not_in_utf8_or_too_large(tmp_path, capsys):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "a.spm").write_bytes(
        RULE.format(expr="true").replace("Dalam", "Dälam").encode("cp1252")
    )
    code, out = cli(capsys, "check", "--rules", str(tmp_path / "r"))
    assert code == 2 and "UTF-8" in out
    (tmp_path / "r" / "a.spm").write_text(RULE.format(expr="true") + "# " + "x" * 3_000_000, encoding="utf-8")
    code, out = cli(capsys, "fmt", "--check", str(tmp_path / "r"))
    assert code == 2 and "rule_file_kb" in out
    code, out = cli(capsys, "check", "--rules", str(tmp_path / "r"))
    assert code == 2 and "rule_file_kb" in out


def test_a_bad_limit_is_a_usage_error(capsys):
    code, out = cli(capsys, "check", "--limit", "nonsense=3")
    assert code == 2 and "expression_depth" in out


# ---- exit codes and the guard at the top ------------------------------------------------------


def test_an_unexpected_exception_is_a_short_message_not_a_traceback(capsys, monkeypatch):
    import spm_rules.cli.main as cli_main

    def boom(*_a, **_k):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(cli_main, "run_check", boom)
    code, out = cli(capsys, "check")
    assert code == 2 and "kesalahan internal" in out and "--debug" in out
    code = main(["check", "--debug"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" in err and "ZeroDivisionError" in err


# ---- outputs written safely -------------------------------------------------------------------


def test_outputs_never_land_in_the_data_folder(tmp_path, capsys):
    d = tmp_path / "data"
    shutil.copytree(bundled_sample(), d)
    before = (d / "penduduk.csv").read_bytes()
    for option in ("--output", "--ledger"):
        code, out = cli(
            capsys, "check", "--data", str(d), "--period", "2018", option, str(d / "penduduk.csv")
        )
        assert code == 2 and "folder data" in out
    assert (d / "penduduk.csv").read_bytes() == before


@pytest.mark.parametrize("fmt", ["text", "json", "xlsx"])
def test_output_is_honoured_for_every_format_and_written_whole(tmp_path, capsys, fmt):
    target = tmp_path / f"out.{fmt}"
    target.write_text("the previous good report", encoding="utf-8")
    code, out = cli(capsys, "check", "--period", "2018", "--format", fmt, "--output", str(target))
    assert code == 0
    assert target.stat().st_size > 1000 and "Fasilitas" not in out
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    if fmt == "json":
        json.loads(target.read_text(encoding="utf-8"))


def test_a_failed_save_leaves_the_previous_file(tmp_path, monkeypatch):
    from spm_rules.cli import outputs

    target = tmp_path / "spm.xlsx"
    target.write_text("previous", encoding="utf-8")

    def half(tmp: Path) -> None:
        tmp.write_text("half a workbook", encoding="utf-8")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        outputs.write_atomic(target, half)
    assert target.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["spm.xlsx"]


def test_a_report_written_in_pieces_is_whole_or_not_at_all(tmp_path):
    """The JSON report is written a piece at a time (a city's is 68-117 MB): the file is the
    pieces joined, and a piece that fails half-way leaves the previous file."""
    from spm_rules.cli import outputs

    target = tmp_path / "spm.json"
    outputs.write_pieces_atomic(target, iter(["{", '"a": ', "é", "}\n"]))
    assert target.read_bytes() == '{"a": é}\n'.encode()

    def failing():
        yield "{"
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        outputs.write_pieces_atomic(target, failing())
    assert target.read_bytes() == '{"a": é}\n'.encode()
    assert [p.name for p in tmp_path.iterdir()] == ["spm.json"]


def test_the_json_report_is_the_same_on_stdout_in_a_file_and_masked(tmp_path, capsys):
    """Written in pieces to stdout or to a file, the report is the same text; masked, it is
    masked whole (the pieces joined first) — the plain one with every NIK masked."""
    import re

    def stdout(*args: str) -> str:
        assert main(["check", "--period", "2018", "--format", "json", "-q", *args]) == 0
        return capsys.readouterr().out

    target = tmp_path / "out.json"
    out = stdout()
    assert stdout("--output", str(target)) == ""
    assert target.read_text(encoding="utf-8") == out and json.loads(out)["schema_version"]
    masked = stdout("--mask-nik")
    assert re.search(r"\b\d{16}\b", out) and not re.search(r"\b\d{16}\b", masked)
    assert masked == re.sub(r"\b(\d{4})\d{8}(\d{4})\b", r"\1********\2", out)


# ---- same inputs, same bytes ------------------------------------------------------------------


def test_outputs_are_byte_identical_across_hash_seeds(tmp_path):
    outs = []
    for seed in ("1", "2", "987"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        env.pop("SOURCE_DATE_EPOCH", None)
        produced = []
        for fmt in ("text", "json", "xlsx"):
            target = tmp_path / f"{seed}.{fmt}"
            ledger = tmp_path / f"ledger-{seed}-{fmt}.csv"
            run = subprocess.run(
                [sys.executable, "-m", "spm_rules", "check", "--period", "2018", "--format", fmt,
                 "--output", str(target), "--ledger", str(ledger)],
                capture_output=True, env=env, check=False,
            )  # fmt: skip
            assert run.returncode == 0, run.stderr.decode()
            produced += [target.read_bytes(), ledger.read_bytes()]
        outs.append(produced)
    assert outs[0] == outs[1] == outs[2]


def test_unreadable_register_is_a_problem_not_a_crash(tmp_path):
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root reads every file: permissions cannot be tested as root")
    d = folder_with(tmp_path, {"penduduk.csv": PEOPLE_HEAD + PERSON})
    (d / "penduduk.csv").chmod(0)
    reg = read_folder(d)
    assert "tidak dapat dibaca" in texts(reg)


def test_the_ledger_equals_the_physical_lines_of_a_damaged_file(tmp_path):
    rows = [PERSON.replace("0001", f"{i:04d}") for i in range(1, 30)]
    rows[5] = '3216015203900006,"Ibu,P\n'
    rows[9] = "\x00\x01garbage\n"
    body = PEOPLE_HEAD + "".join(rows)
    reg = read_folder(folder_with(tmp_path, {"penduduk.csv": body}))
    physical = len([ln for ln in io.StringIO(body).read().splitlines()[1:] if ln.strip()])
    assert reg.rows_read == physical


def test_a_row_of_separators_only_is_read_and_accounted_for_not_dropped(tmp_path):
    """Found by the long fuzz run: `,,,,` (an empty spreadsheet row, or what a stray CR leaves)
    was skipped silently; now it is a row read, set aside in the ledger with its reason."""
    body = PEOPLE_HEAD + PERSON + ",,,,\n" + "   \n"
    reg = read_folder(folder_with(tmp_path, {"penduduk.csv": body}))
    assert reg.rows_read == 2 and reg.rows_rejected == 0 and len(reg.of_kind("penduduk")) == 1
    (empty,) = [e for e in reg.entries if e.reason is not None and e.reason.code == "row.empty"]
    assert empty.ref.line == 3


def test_fmt_of_a_file_with_repeated_statements_does_not_crash(tmp_path, capsys):
    """Found by the long fuzz run: positions of duplicated statements were taken for meaning,
    and fmt ended in an internal error instead of formatting."""
    (tmp_path / "a.spm").write_text(
        'standard y {\n  title "Y"\n      target 100%\n  target 100%\n}\n', encoding="utf-8"
    )
    code, out = cli(capsys, "fmt", "--check", str(tmp_path / "a.spm"))
    assert code in (0, 1) and "kesalahan internal" not in out


def test_a_file_refused_whole_is_named_even_when_quiet(capsys):
    """Rows past a limit refuse the whole file: its rows are not counted at all, so `-q` still
    names it (a city's person register refused would silently empty most services)."""
    code, shown = cli(capsys, "check", "-q", "--limit", "sheet_rows=50")
    assert code == 0
    assert "penduduk.csv: 111 baris melebihi batas sheet_rows=50" in shown.replace("\n", " ")
    assert "(--verbose)" not in shown


def test_the_row_limit_takes_a_city():
    from spm_rules.limits import DEFAULT_LIMITS

    assert DEFAULT_LIMITS.sheet_rows >= 5_500_000  # Kabupaten Bogor's people, one register
