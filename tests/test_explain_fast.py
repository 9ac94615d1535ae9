"""`explain` made fast (docs/performance.md, "explain at city scale") says what it said before:
the same bytes on stdout and stderr, the same exit code, for subjects of the bundled sample and
of a small city, in JSON and text, in both languages, masked or not. The golden hashes were
taken from the command before the rule cache, the lazy imports and the faster byte search;
and the byte search's needle finds exactly what `bytes.find` finds."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
from pathlib import Path

import pytest

from spm_rules.cli.main import main
from spm_rules.registers import prefilter
from spm_rules.registers.prefilter import _Needle
from spm_rules.resources import bundled_sample

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "explain"

VARIANTS = {
    "json": ["--format", "json"],
    "text-id": [],
    "text-en-mask": ["--lang", "en", "--mask-nik"],
    "text-verbose": ["-v"],
}


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    spec = importlib.util.spec_from_file_location("make_city", ROOT / "scripts" / "make_city.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folder = tmp_path_factory.mktemp("city") / "city"
    module.make_city(folder, 0.0005)
    return folder


def _cases(name: str) -> list[tuple[str, str, str]]:
    golden = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    return [(*case.split(" "), digest) for case, digest in sorted(golden.items())]


def _explained(capsys, data: Path, subject: str, variant: str) -> str:
    args = ["explain", "--data", str(data), "--subject", subject, "--period", "2018", *VARIANTS[variant]]
    code = main(args)
    captured = capsys.readouterr()
    shown = json.dumps([code, captured.out, captured.err], ensure_ascii=False)
    return hashlib.sha256(shown.encode("utf-8")).hexdigest()


@pytest.mark.parametrize(("subject", "variant", "digest"), _cases("sample"))
def test_the_sample_is_explained_as_before(capsys, monkeypatch, subject, variant, digest):
    monkeypatch.chdir(ROOT)  # the data folder named as when the hashes were taken
    assert _explained(capsys, Path("reports_in/sample"), subject, variant) == digest
    # the folder named is the bundled sample: the same files, byte for byte (installed without
    # `-e`, the package carries its own copy)
    assert _files(bundled_sample()) == _files(ROOT / "reports_in" / "sample")


def _files(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


def test_a_small_city_is_explained_as_before(capsys, city):
    different = [
        f"{subject} {variant}"
        for subject, variant, digest in _cases("city")
        if _explained(capsys, city, subject, variant) != digest
    ]
    assert not different


def _text(rng: random.Random, size: int) -> bytes:
    """Digits and separators with a few letters: as a register of NIKs, with KH- numbers."""
    alphabet = b"0123456789" * 8 + b",,,,\r\n-KH"
    return bytes(rng.choice(alphabet) for _ in range(size))


@pytest.mark.parametrize("seed", range(20))
def test_a_needle_finds_what_find_finds(seed):
    rng = random.Random(seed)
    raw = _text(rng, 5000)
    keys = [
        raw[i : i + n].decode() for i, n in ((rng.randrange(4900), rng.randrange(1, 12)) for _ in range(8))
    ]
    keys += ["KH-0", "K", "H-00", "zz", "0000"]
    for key in keys:
        needle, want = _Needle(key, raw), key.encode()
        for start in range(0, len(raw), 97):
            assert needle.find(raw, start) == raw.find(want, start), (key, start)


def test_a_byte_rare_at_the_top_but_not_below_falls_back_to_the_plain_search(monkeypatch):
    monkeypatch.setattr(prefilter, "_MISSES", 5)
    raw = b"1234567890" * 7000 + b"K1 " * 200 + b"K12345" + b"K1 " * 50
    needle = _Needle("K12345", raw)
    assert needle.anchor == b"K"  # rare in the first 64 KiB
    assert needle.find(raw, 0) == raw.find(b"K12345")
    assert needle.anchor is None  # too many K that were not the key: the plain search took over
    assert needle.find(raw, raw.find(b"K12345") + 1) == -1


def _line_ends_by_counting(raw: bytes, start: int, end: int) -> int:
    part = raw[start:end]
    return part.count(b"\n") + part.count(b"\r") - part.count(b"\r\n")


def test_line_endings_are_counted_as_the_reader_counts_them():
    rng = random.Random(7)
    for _ in range(2000):
        raw = bytes(rng.choice(b"ab\r\n") for _ in range(rng.randrange(60)))
        start = rng.randrange(len(raw) + 1)
        end = rng.randrange(start, len(raw) + 1)
        assert prefilter._line_ends(raw, start, end) == _line_ends_by_counting(raw, start, end), raw
    chunk = 1 << 24  # a CRLF, and a lone CR, across the boundary of two chunks
    for tail in (b"\r\n" + b"y\r\n" * 3 + b"\rz", b"\r" + b"y\r\n" * 3):
        raw = b"x" * (chunk - 1) + tail
        assert prefilter._line_ends(raw, 0, len(raw)) == _line_ends_by_counting(raw, 0, len(raw))
