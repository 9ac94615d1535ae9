"""Fuzz the inputs: mutated registers, mappings and rule text through check, validate, lint and
fmt, in process, checking after every case that

- nothing ended in a traceback or an internal error (the top-level guard's message);
- the exit code is one the documentation promises for that command;
- every physical record is in the ledger: for CSV and JSON Lines files without quote
  characters, rows read == non-blank physical lines after the header (a quoted field may
  legitimately span lines, so files with quotes are held to rows read <= physical lines);
- the ledger balances (read = used + out of scope + rejected, per file).

Run: python scripts/fuzz.py --cases 2000 --seed 1   (prints iterations, failures by kind,
the slowest input; saves failing inputs under --keep). The test suite runs a bounded,
fixed-seed slice of it (tests/test_fuzz_inputs.py).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import re
import shutil
import sys
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

from spm_rules.api import run_check
from spm_rules.cli.main import main
from spm_rules.registers.readers import read_folder
from spm_rules.resources import bundled_rules, bundled_sample

KINDS = ("penduduk", "skrining_ptm", "kehamilan", "kunjungan_anc", "sasaran")
RULE_FILE = "06_usia_produktif.spm"
PROMISED = {"check": {0, 2}, "validate": {0, 1, 2}, "lint": {0, 1, 2}, "fmt": {0, 1, 2}}


@dataclass
class Outcome:
    kind: str  # "ok" or the failure's kind
    detail: str = ""
    seconds: float = 0.0
    case: str = ""


# ---- mutations --------------------------------------------------------------------------------


def _flip(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _cut_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
    return b"\n".join(lines)


def _dup_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return b"\n".join(lines)


def _drop_line(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def _swap_cells(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    cells = lines[i].split(b",")
    if len(cells) > 1:
        a, b = rng.randrange(len(cells)), rng.randrange(len(cells))
        cells[a], cells[b] = cells[b], cells[a]
    lines[i] = b",".join(cells)
    return b"\n".join(lines)


def _odd_cell(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    cells = lines[i].split(b",")
    odd = rng.choice(
        [b"", b"-", b"tidak", b"31/02/2024", b"9" * 5000, b"=HYPERLINK(1)", b'"', b"\x00",
         b"3216 0152 0390 0001", "Zulaikhā".encode(), "José".encode("cp1252"), b"1e308", b"NaN",
         b"2099-01-01", b" " * 100, b"\x0c", "\u2028".encode()]
    )  # fmt: skip
    cells[rng.randrange(len(cells))] = odd
    lines[i] = b",".join(cells)
    return b"\n".join(lines)


def _encoding(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", errors="replace")
    return rng.choice(
        [text.encode("utf-16"), text.encode("cp1252", errors="replace"), b"\xef\xbb\xbf" + data]
    )


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _semicolons(rng: random.Random, data: bytes) -> bytes:
    return data.replace(b",", b";")


CSV_MUTATIONS = [_flip, _cut_line, _dup_line, _drop_line, _swap_cells, _odd_cell, _odd_cell, _encoding,
                 _truncate, _semicolons]  # fmt: skip


def _to_jsonl(data: bytes) -> bytes:
    import csv
    import json

    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode() + b"\n"


def _to_xlsx(data: bytes, kind: str) -> bytes:
    import csv

    wb = Workbook()
    ws = wb.active
    ws.title = kind
    for row in csv.reader(io.StringIO(data.decode("utf-8"))):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _corrupt_xlsx(rng: random.Random, data: bytes) -> bytes:
    choice = rng.randrange(3)
    if choice == 0:
        return _truncate(rng, data)
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        parts = {n: zin.read(n) for n in zin.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/"))
    if choice == 1:
        parts[sheet] = _flip(rng, parts[sheet])
    else:
        xml = parts[sheet].decode()
        if "<dimension" in xml:
            start = xml.index("<dimension")
            end = xml.index("/>", start) + 2
            parts[sheet] = (xml[:start] + '<dimension ref="A1:B2"/>' + xml[end:]).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for n, part in parts.items():
            zout.writestr(n, part)
    return out.getvalue()


MAPPINGS = [
    "tables:\n  - match: 'penduduk*'\n    kind: penduduk\n    header_row: {n}\n",
    "values:\n  jenis_kelamin: {{L: L, P: P, X: ~}}\n",
    "tables:\n  - match: '*.csv'\n    kind: {word}\n",
    "tables:\n  - match: 'penduduk*'\n    kind: penduduk\n    columns: {{nama: nama, wilayah: nama}}\n",
    "a: &a [x, x, x, x]\nb: [*a, *a, *a, *a, *a, *a]\n",
    "tables: {n}\n",
    "{word}: [\n",
    "values:\n  jenis_kelamin: [L, P]\n",
]


def make_case(rng: random.Random, base: dict[str, bytes], folder: Path) -> str:
    """Write one mutated data folder; return a short description of what was done."""
    folder.mkdir(parents=True)
    done = []
    for kind, data in base.items():
        form = rng.choices(["csv", "jsonl", "xlsx"], weights=[8, 1, 1])[0]
        if form == "jsonl":
            data = _to_jsonl(data)
        elif form == "xlsx":
            data = _to_xlsx(data, kind)
        if rng.random() < 0.5:
            if form == "xlsx":
                data, name = _corrupt_xlsx(rng, data), "corrupt_xlsx"
            else:
                mutation = rng.choice(CSV_MUTATIONS)
                data, name = mutation(rng, data), mutation.__name__
            done.append(f"{kind}.{form}:{name}")
        (folder / f"{kind}.{form}").write_bytes(data)
    if rng.random() < 0.1:
        (folder / "lain.xls").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(rng.randrange(256) for _ in range(64)))
        done.append("unsupported")
    if rng.random() < 0.1:
        text = rng.choice(MAPPINGS).format(
            n=rng.choice([1, 2, -9, "abc", 10**6]), word=rng.choice(["x", "penduduk"])
        )
        (folder / "mapping.yaml").write_text(text, encoding="utf-8")
        done.append("mapping")
    return ", ".join(done) or "unchanged"


# ---- checks -----------------------------------------------------------------------------------


def physical_rows(path: Path) -> tuple[int, bool]:
    """(non-blank physical lines after the header, whether the count is exact)."""
    data = path.read_bytes()
    separators = rb"\n" if path.suffix == ".jsonl" else rb"\r\n|\r|\n"
    # blank as the reader judges it: nothing but white space (U+2028, form feed … included)
    lines = [ln for ln in re.split(separators, data) if ln.decode("utf-8", "replace").strip()]
    header = 0 if path.suffix == ".jsonl" else 1
    exact = b'"' not in data or path.suffix == ".jsonl"
    return max(0, len(lines) - header), exact


def _run_cli(args: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue() + err.getvalue()


def check_folder(folder: Path, run_cli: bool, evaluate: bool = True) -> Outcome:
    start = time.perf_counter()
    try:
        try:
            register = read_folder(folder)
        except Exception as exc:  # a mapping error is a promised refusal, anything else is not
            if type(exc).__name__ in ("MappingError",):
                return Outcome("ok", seconds=time.perf_counter() - start)
            return Outcome("exception:read_folder", f"{type(exc).__name__}: {exc}")
        counts = {f.file: f.rows_read for f in register.files}
        for path in folder.iterdir():
            if path.suffix not in (".csv", ".jsonl"):
                continue
            shown = next((name for name in counts if name.endswith(path.name)), None)
            read = counts.get(shown, 0) if shown else 0
            physical, exact = physical_rows(path)
            # a mapping may declare title rows above the header (header_row): not records
            exact = exact and not (folder / "mapping.yaml").exists()
            refused_whole = any(
                p.file == shown and p.severity == "error" and p.line == 1 for p in register.problems
            )
            if exact and read != physical and not (refused_whole and read <= physical):
                return Outcome("lines_unaccounted", f"{path.name}: {read} rows read, {physical} lines")
            if not exact and read > physical:
                return Outcome("lines_unaccounted", f"{path.name}: {read} rows read > {physical} lines")
        if not evaluate:
            return Outcome("ok", seconds=time.perf_counter() - start)
        try:
            result = run_check(bundled_rules(), folder, "2018", ["usia_produktif", "ibu_hamil"])
        except Exception as exc:
            if type(exc).__name__ in ("MappingError", "LedgerUnbalanced"):
                kind = "ledger_unbalanced" if type(exc).__name__ == "LedgerUnbalanced" else "ok"
                return Outcome(kind, str(exc))
            return Outcome("exception:run_check", f"{type(exc).__name__}: {exc}")
        if not result.ledger.balanced:
            return Outcome("ledger_unbalanced")
        if run_cli:
            for command, args in (
                ("check", ["check", "--data", str(folder), "--period", "2018", "--format", "json"]),
                ("validate", ["validate", str(folder)]),
            ):
                code, text = _run_cli(args)
                if "Traceback" in text or "kesalahan internal" in text:
                    return Outcome("traceback:" + command, text[-400:])
                if code not in PROMISED[command]:
                    return Outcome("exit_code:" + command, f"{code}: {text[-300:]}")
    except RecursionError as exc:
        return Outcome("exception:recursion", str(exc))
    return Outcome("ok", seconds=time.perf_counter() - start)


def check_rules(rng: random.Random, rules_text: str, folder: Path) -> Outcome:
    """Mutated rule text through lint and fmt --check."""
    start = time.perf_counter()
    text = rules_text
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        i = rng.randrange(len(text) + 1)
        if op == 0:
            text = text[:i] + text[i + rng.randint(1, 20) :]
        elif op == 1:
            text = (
                text[:i]
                + rng.choice(["(", ")", "{", "}", '"', "and ", "not " * 50, "#", "\x00", "é"])
                + text[i:]
            )
        elif op == 2:
            text = text[:i] + text[i : i + 40] * rng.randint(2, 5) + text[i:]
        elif op == 3:
            text = text.replace("require", "require not " * rng.randint(1, 500), 1)
        else:
            text = text.replace(" and ", " and " + " and ".join(["true"] * rng.randint(1, 300)) + " and ", 1)
    folder.mkdir(parents=True)
    (folder / "a.spm").write_bytes(
        text.encode("utf-8", errors="replace")
        if rng.random() < 0.9
        else text.encode("cp1252", errors="replace")
    )
    for command, args in (("lint", ["lint", str(folder)]), ("fmt", ["fmt", "--check", str(folder)])):
        code, out = _run_cli(args)
        if "Traceback" in out or "kesalahan internal" in out:
            return Outcome("traceback:" + command, out[-400:])
        if code not in PROMISED[command]:
            return Outcome("exit_code:" + command, f"{code}: {out[-300:]}")
    return Outcome("ok", seconds=time.perf_counter() - start)


def base_register() -> dict[str, bytes]:
    sample = bundled_sample()
    return {kind: (sample / f"{kind}.csv").read_bytes() for kind in KINDS}


def run(
    cases: int,
    seed: int,
    seconds: float | None = None,
    cli_every: int = 10,
    keep: Path | None = None,
    check_every: int = 1,
):
    """Run up to `cases` cases (or until `seconds` pass); return (count, outcomes by kind, slowest)."""
    rng = random.Random(seed)
    base = base_register()
    rules_text = (bundled_rules() / RULE_FILE).read_text(encoding="utf-8")
    kinds: Counter[str] = Counter()
    failures: list[Outcome] = []
    slowest = Outcome("ok")
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="spm-fuzz-"))
    n = 0
    try:
        for n in range(1, cases + 1):
            folder = work / f"case{n}"
            if rng.random() < 0.15:
                outcome = check_rules(rng, rules_text, folder)
                outcome.case = f"rules #{n}"
            else:
                what = make_case(rng, base, folder)
                outcome = check_folder(folder, run_cli=(n % cli_every == 0), evaluate=(n % check_every == 0))
                outcome.case = f"#{n} {what}"
            kinds[outcome.kind] += 1
            if outcome.kind != "ok":
                failures.append(outcome)
                if keep is not None:
                    shutil.copytree(folder, keep / f"case{n}", dirs_exist_ok=True)
            if outcome.seconds > slowest.seconds:
                slowest = outcome
            shutil.rmtree(folder, ignore_errors=True)
            if seconds is not None and time.perf_counter() - started > seconds:
                break
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return n, kinds, failures, slowest


def main_(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=None, help="stop after this long")
    ap.add_argument("--cli-every", type=int, default=10, help="run the CLI on every Nth register case")
    ap.add_argument("--keep", type=Path, default=None, help="copy failing inputs here")
    ap.add_argument("--check-every", type=int, default=1, help="evaluate (check + ledger) every Nth case")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    n, kinds, failures, slowest = run(a.cases, a.seed, a.seconds, a.cli_every, a.keep, a.check_every)
    wall = time.perf_counter() - t0
    print(f"iterations: {n} in {wall:.0f} s ({n / wall:.1f}/s), seed {a.seed}")
    for kind, count in sorted(kinds.items()):
        print(f"  {kind}: {count}")
    for f in failures[:20]:
        print(f"FAIL {f.kind} {f.case}: {f.detail[:300]}")
    print(f"slowest: {slowest.seconds:.2f} s — {slowest.case}")
    bad = sum(c for k, c in kinds.items() if k != "ok")
    print(f"{n - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main_())
