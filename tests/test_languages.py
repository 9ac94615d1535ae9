"""One language at a time: `--lang en` output holds no Indonesian sentence of the program and
`--lang id` no English one — tables, ledger, JSON messages, validation. (Text written by rule
authors — labels without `en`, notes — is shown as written.)"""

from __future__ import annotations

import json
import re

import pytest

from spm_rules.cli.main import main
from spm_rules.model import Reason
from spm_rules.report.catalogue import LABELS, REASONS, say

# words the program itself writes in one language and never in the other
INDONESIAN = ["baris", "dibaca", "ditolak", "dipakai", "di luar", "terkait", "dihitung", "Jumlah",
              "Fasilitas", "Sumber penyebut", "tidak tercatat", "duplikat", "Periode", "Aturan"]  # fmt: skip
ENGLISH = ["rows", "rejected", "used as evidence", "out of scope", "Total", "Facility", "Denominator",
           "not recorded", "duplicate", "Period", "Rules", "counted once"]  # fmt: skip

BROKEN = (
    "nik,nama,jenis_kelamin,tanggal_lahir,wilayah\n"
    "3216015203900001,Ibu A,P,1990-03-12,PKM A\n"
    "3216015203900001,Ibu A,P,1990-03-12,PKM A\n"
    "321601520390,Ibu C,P,31/02/1990,PKM A\n"
)


def _words(text: str, words: list[str]) -> list[str]:
    return [w for w in words if re.search(rf"\b{re.escape(w)}\b", text)]


def _outputs(capsys, tmp_path, lang: str, data: str | None = None) -> str:
    texts = []
    extra = ["--data", data] if data else []
    ledger = tmp_path / f"ledger-{lang}.csv"
    main(["check", "--lang", lang, "--period", "2018", "--ledger", str(ledger), *extra])
    texts.append(capsys.readouterr().out)
    texts.append(ledger.read_text(encoding="utf-8"))
    main(["check", "--lang", lang, "--period", "2018", "--format", "json", *extra])
    doc = json.loads(capsys.readouterr().out)
    texts += [p["message"] for p in doc["input"]["problems"]]
    texts += [s["total"]["facility"] for s in doc["standards"]]
    main(["validate", *([data] if data else []), "--lang", lang])
    texts.append(capsys.readouterr().out)
    return "\n".join(texts)


@pytest.fixture
def broken(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    (d / "penduduk.csv").write_text(BROKEN, encoding="utf-8")
    return str(d)


@pytest.mark.parametrize("which", ["sample", "broken"])
def test_english_output_has_no_indonesian_program_words(capsys, tmp_path, broken, which):
    text = _outputs(capsys, tmp_path, "en", broken if which == "broken" else None)
    assert _words(text, INDONESIAN) == []


@pytest.mark.parametrize("which", ["sample", "broken"])
def test_indonesian_output_has_no_english_program_words(capsys, tmp_path, broken, which):
    text = _outputs(capsys, tmp_path, "id", broken if which == "broken" else None)
    assert _words(text, ENGLISH) == []


def test_every_phrase_exists_in_both_languages_with_the_same_arguments():
    for code, (id_text, en_text) in REASONS.items():
        assert id_text and en_text, code
        if code != "text":
            assert set(re.findall(r"{(\w+)", id_text)) == set(re.findall(r"{(\w+)", en_text)), code
    for key, (id_text, en_text) in LABELS.items():
        assert id_text and en_text, key


def test_every_reason_code_the_package_writes_has_a_phrase():
    from pathlib import Path

    import spm_rules

    src = Path(spm_rules.__file__).parent
    written: set[str] = set()
    for path in src.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        written |= set(re.findall(r'Reason\.of\(\s*"([\w.]+)"', text))
        written |= set(re.findall(r'CellError\(\s*"([\w.]+)"', text))
        written |= set(re.findall(r'code="([\w.]+)"', text))
        written |= set(re.findall(r'"(missing\.[\w]+)"', text))
    assert written, "the scan found no codes"
    assert written - set(REASONS) == set()


def test_an_unknown_code_is_shown_as_a_code_not_hidden():
    assert say(Reason.of("no.such.code", x=1)).startswith("no.such.code")
