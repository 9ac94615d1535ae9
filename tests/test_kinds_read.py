"""`check --standard` reads only the CSV files of the kinds its standards read (and the kinds
the checks across records need to judge those), and names every other file in the ledger as
not read. Specified here: the same numbers and verdicts as a read of every file, for every
standard of every bundled rule set; which kinds the checks across records tie together; the
ledger's words for a file not read; and when every file is still read."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shutil
from pathlib import Path

import pytest

from spm_rules import api
from spm_rules.cli.main import main
from spm_rules.engine.tally import failed_ids
from spm_rules.registers.contract import Contract, load_contract
from spm_rules.registers.readers import read_folder

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
SAMPLE = ROOT / "reports_in" / "sample"


def _outcome(report) -> tuple:
    """What a standard's report says: its rows and total, and every subject's verdict with the
    criteria it failed and the records it rests on."""
    verdicts = sorted(
        (
            (
                v.subject,
                v.in_period,
                v.in_population,
                v.counted,
                v.facility,
                tuple(failed_ids(v.criteria)),
                v.evidence,
            )
            for v in report.verdicts
        ),
        key=repr,
    )
    return report.rows, report.total, report.out_of_period, report.out_of_population, verdicts


def test_the_checks_across_records_tie_the_kinds_they_judge_together():
    contract = load_contract()
    # a service dated before the birth needs the person register
    assert contract.with_checks(["skrining_ptm"]) == {"skrining_ptm", "penduduk"}
    # an ANC visit is linked to its pregnancy by the mother and the date
    assert contract.with_checks(["kunjungan_anc"]) == {"kunjungan_anc", "kehamilan", "penduduk"}
    # a delivery naming a later pregnancy number is re-linked to the first
    assert contract.with_checks(["persalinan"]) == {"persalinan", "kehamilan", "penduduk"}
    assert contract.with_checks(["penduduk"]) == {"penduduk"}
    assert contract.with_checks(["sasaran"]) == {"sasaran"}  # names no person
    assert contract.with_checks(["no_such_kind"]) == frozenset()
    # a school registration is not a dated service: no check reads the person register for it
    assert contract.with_checks(["pendaftaran_sekolah"]) == {"pendaftaran_sekolah"}


def test_each_tie_stands_alone():
    """The ties one at a time, on contracts where no other tie gives the same kind: a visit
    linked to its pregnancy by person and date only, and two episode kinds numbered by one
    key field, both followed when a record names it."""
    contract = load_contract()
    anc, preg = contract.kinds["kunjungan_anc"], contract.kinds["kehamilan"]
    # the visit without the pregnancy's number among its fields: only its episode link ties it
    fields = {n: f for n, f in anc.fields.items() if n != preg.key}
    linked_only = dataclasses.replace(anc, fields=fields)
    kinds = {**contract.kinds, "kunjungan_anc": linked_only}
    assert Contract(kinds).with_checks(["kunjungan_anc"]) == {"kunjungan_anc", "kehamilan", "penduduk"}
    # a second episode kind with the same key field: a delivery naming it follows both
    twin = dataclasses.replace(preg, name="kehamilan_bpm")
    kinds = {**contract.kinds, "kehamilan_bpm": twin}
    assert Contract(kinds).with_checks(["persalinan"]) == {
        "persalinan",
        "kehamilan",
        "kehamilan_bpm",
        "penduduk",
    }


@pytest.mark.parametrize("rule_set", ["spm_2016", "spm_2019", "spm_2024"])
def test_each_standard_alone_counts_as_when_every_file_is_read(rule_set):
    whole = api.run_check(RULES, SAMPLE, "2018", rule_set=rule_set, engine="interpreter")
    assert whole.register.not_read == [] and whole.ledger.not_read == []
    by_id = {r.standard.id: r for r in whole.reports}
    kinds_seen: set[frozenset[str]] = set()
    for sid, report in by_id.items():
        alone = api.run_check(RULES, SAMPLE, "2018", [sid], rule_set=rule_set, engine="interpreter")
        assert _outcome(alone.reports[0]) == _outcome(report), sid
        assert alone.ledger.balanced
        read = {kind for _name, kind in alone.register.sources}
        unread = {kind for _name, kind in alone.register.not_read}
        assert read.isdisjoint(unread) and read | unread == {k for _n, k in whole.register.sources}
        assert unread, f"{sid} reads every kind of the sample"
        kinds_seen.add(frozenset(read))
    assert len(kinds_seen) > 3  # the standards read different files


@pytest.mark.parametrize("rule_set", ["spm_2016", "spm_2019", "spm_2024"])
def test_the_compiled_path_alone_counts_as_over_every_file(rule_set):
    whole = api.run_check(RULES, SAMPLE, "2018", rule_set=rule_set, engine="compiled")
    assert not whole.fallbacks
    for report in whole.reports:
        alone = api.run_check(
            RULES, SAMPLE, "2018", [report.standard.id], rule_set=rule_set, engine="compiled"
        )
        assert _outcome(alone.reports[0]) == _outcome(report), report.standard.id


def test_a_file_not_read_is_named_in_every_output_and_its_problems_are_not_reported(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    with (data / "imunisasi.csv").open("a", encoding="utf-8") as fh:
        fh.write("3275010101990001,bukan-tanggal,PKM X,HB0\n")  # a bad row of a kind not read
    (data / "catatan_lain.csv").write_text("a,b\n1,2\n", encoding="utf-8")  # a kind no one knows
    # a JSON Lines file holds one table too, of the kind its name says
    (data / "kasus_tb.csv").unlink()
    (data / "kasus_tb.jsonl").write_text(
        '{"id_kasus": "TB-1", "tanggal_diagnosis": "bukan"}\n', encoding="utf-8"
    )
    ledger = tmp_path / "ledger.csv"
    args = ["check", "--data", str(data), "--period", "2018", "--standard", "usia_produktif"]
    code = main([*args, "--ledger", str(ledger)])
    out = capsys.readouterr().out
    assert code == 0
    assert "file tidak dibaca karena standar yang dipilih tidak memakai jenis catatannya" in out
    assert "imunisasi.csv" in out and "bukan-tanggal" not in out
    # a file whose kind is not known is still read, and every row of it rejected with a reason
    assert "catatan_lain.csv" in out
    rows = list(csv.DictReader(io.StringIO(ledger.read_text(encoding="utf-8-sig"))))
    unread = [r for r in rows if r["nasib"] == "tidak dibaca"]
    assert {r["file"].rsplit("/", 1)[-1] for r in unread} >= {
        "imunisasi.csv",
        "kehamilan.csv",
        "kasus_tb.jsonl",
    }
    assert all(r["baris"] == "" and r["jenis"] for r in unread)
    imun = next(r for r in unread if r["file"].endswith("imunisasi.csv"))
    assert imun["alasan"] == "file tidak dibaca: standar yang dipilih tidak memakai catatan imunisasi"
    assert not any(r["file"].endswith(("penduduk.csv", "skrining_ptm.csv")) for r in unread)
    assert any(r["file"].endswith("catatan_lain.csv") and r["nasib"] == "ditolak" for r in rows)

    assert main([*args, "--format", "json", "--lang", "en"]) == 0
    doc = json.loads(capsys.readouterr().out)
    names = {(Path(f["file"]).name, f["kind"], f["code"], f["message"]) for f in doc["ledger"]["not_read"]}
    said = "file not read: no chosen standard reads imunisasi records"
    assert ("imunisasi.csv", "imunisasi", "ledger.not_read", said) in names
    assert all(Path(f["file"]).name != "imunisasi.csv" for f in doc["input"]["files"])

    page = tmp_path / "laporan.html"
    assert main([*args, "--format", "html", "--output", str(page)]) == 0
    capsys.readouterr()
    text = page.read_text(encoding="utf-8")
    assert "File tidak dibaca (" in text and "imunisasi.csv — file tidak dibaca" in text


@pytest.mark.parametrize(
    "args",
    [
        ["--period", "2018"],  # no standard named: a full check validates every file
        ["--standard", "usia_produktif"],  # the period comes from the data, so all of it is read
    ],
)
def test_every_file_is_read_without_a_standard_or_a_period(args):
    result = api.run_check(
        RULES,
        SAMPLE,
        "2018" if "--period" in args else None,
        ["usia_produktif"] if "--standard" in args else None,
    )
    assert result.register.not_read == [] and result.ledger.not_read == []
    assert {Path(name).name for name, _kind in result.register.sources} >= {"imunisasi.csv", "kehamilan.csv"}


def test_the_mapping_names_a_files_kind_and_a_workbook_is_read_whole(tmp_path):
    """Which kind a file holds is the mapping's word, as when it is read; only CSV files are
    left unread (a workbook's sheets are known only inside it)."""
    from openpyxl import Workbook

    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(SAMPLE / "penduduk.csv", data / "warga.csv")
    shutil.copy(SAMPLE / "skrining_ptm.csv", data / "skrining_ptm.csv")
    shutil.copy(SAMPLE / "imunisasi.csv", data / "imunisasi.csv")
    (data / "mapping.yaml").write_text(
        "tables:\n  - match: warga.csv\n    kind: penduduk\n", encoding="utf-8"
    )
    book = Workbook()
    sheet = book.active
    sheet.title = "kehamilan"
    for row in csv.reader(io.StringIO((SAMPLE / "kehamilan.csv").read_text(encoding="utf-8"))):
        sheet.append(row)
    book.save(data / "kohort.xlsx")
    register = read_folder(data, kinds=frozenset({"skrining_ptm"}))
    assert {Path(n).name for n, _k in register.sources} == {
        "warga.csv",
        "skrining_ptm.csv",
        "kohort.xlsx[kehamilan]",
    }
    assert [(Path(n).name, k) for n, k in register.not_read] == [("imunisasi.csv", "imunisasi")]
    assert len(register.of_kind("penduduk")) == len(read_folder(data).of_kind("penduduk"))


def _cases(folder: Path) -> Path:
    """A pregnancy recorded at two facilities under two numbers (a delivery and a visit name
    the later), a visit naming only the mother, a screening dated before the birth."""
    mother, man = "3216015203900001", "3216010201800500"
    files = {
        "penduduk.csv": "nik,nama,jenis_kelamin,tanggal_lahir,wilayah\n"
        f"{mother},Ibu A,P,1990-03-12,PKM Cibitung\n{man},Bapak B,L,1980-01-02,PKM Cibitung\n",
        "kehamilan.csv": "id_kehamilan,nik,hpht,tanggal_persalinan,fasilitas\n"
        f"KH-PKM-1,{mother},2018-01-01,,PKM Cibitung\nBPM-77,{mother},2018-01-29,2018-10-03,BPM Sari\n",
        "persalinan.csv": "nik,id_kehamilan,tanggal,fasilitas,jenis_fasilitas,penolong,str_penolong,cara\n"
        f"{mother},BPM-77,2018-10-03,BPM Sari,puskesmas,bidan,STR-1,normal\n",
        "kunjungan_anc.csv": "id_kehamilan,nik,tanggal,fasilitas,penolong\n"
        f",{mother},2018-02-26,PKM Cibitung,bidan\nBPM-77,,2018-07-30,BPM Sari,bidan\n",
        "skrining_ptm.csv": "nik,tanggal,fasilitas,petugas,sistolik,diastolik\n"
        f"{man},1979-03-01,PKM Cibitung,perawat,120,80\n{man},2018-03-01,PKM Cibitung,perawat,124,82\n",
    }
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_kind_read_alone_has_the_records_and_problems_of_a_read_of_every_kind(tmp_path):
    data = _cases(tmp_path / "data")
    contract = load_contract()
    whole = read_folder(data)

    def seen(register, kind: str) -> tuple:
        fields = sorted(contract.kinds[kind].fields)
        records = [(r.ref, [r.get(f) for f in fields]) for r in register.of_kind(kind)]
        files = {name for name, k in register.sources if k == kind}
        problems = [p for p in register.problems if p.file in files]
        fates = [(e.ref, e.fate) for e in register.entries if e.ref.file in files]
        return records, problems, fates

    changed = {"kunjungan_anc", "persalinan", "skrining_ptm"}  # linked, re-linked, rejected
    for kind in ("penduduk", "kehamilan", *sorted(changed)):
        alone = read_folder(data, kinds=frozenset({kind}))
        assert seen(alone, kind) == seen(whole, kind), kind
        assert {k for _n, k in alone.sources} == contract.with_checks([kind])
    # the cases are what they say: each kind's records differ from its rows read with no other
    for kind in changed:
        bare = tmp_path / f"bare-{kind}"
        bare.mkdir()
        shutil.copy(data / f"{kind}.csv", bare)
        assert seen(read_folder(bare), kind)[0] != seen(whole, kind)[0]
    (rejected,) = [p for p in whole.problems if p.reason.code == "cross.before_birth"]
    assert rejected.file.endswith("skrining_ptm.csv") and rejected.line == 2
