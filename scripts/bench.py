"""Benchmark reading and evaluating registers, against a baseline in the same run.

Prints figures; asserts nothing (speed is measured here, not in unit tests).

    python scripts/bench.py                  # 20.000 screened people (usia produktif)
    python scripts/bench.py --people 100000 --repeat 3

Baseline: the same rows validated by jsonschema alone (the reader without its compiled fast
check). Reported: rows/s for reading with and without the fast check, their ratio, subjects/s for
evaluation, and peak memory of this process.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import resource
import statistics
import tempfile
import time
from pathlib import Path

from spm_rules.engine.evaluate import evaluate
from spm_rules.engine.period import parse_period
from spm_rules.lang.loader import load_rules
from spm_rules.registers.contract import Contract, load_contract
from spm_rules.registers.readers import read_folder
from spm_rules.resources import bundled_rules


def write_register(folder: Path, people: int) -> int:
    with (folder / "penduduk.csv").open("w", encoding="utf-8") as fh:
        fh.write("nik,jenis_kelamin,tanggal_lahir,wilayah\n")
        for i in range(people):
            born = dt.date(1960 + i % 40, 1 + i % 12, 1 + i % 28)
            fh.write(f"321601{born:%d%m%y}{i % 10000:04d},L,{born.isoformat()},PKM {i % 7}\n")
    with (folder / "skrining_ptm.csv").open("w", encoding="utf-8") as fh:
        fh.write(
            "nik,tanggal,fasilitas,petugas,tinggi_badan,berat_badan,lingkar_perut,"
            "sistolik,diastolik,gula_darah,skor_srq20,visus,pendengaran\n"
        )
        for i in range(people):
            born = dt.date(1960 + i % 40, 1 + i % 12, 1 + i % 28)
            fh.write(
                f"321601{born:%d%m%y}{i % 10000:04d},2018-05-10,PKM {i % 7},dokter,170,70,"
                f"80,120,80,100,1,6/6,normal\n"
            )
    return 2 * people


def without_fast_check(contract: Contract) -> Contract:
    kinds = {k: dataclasses.replace(v, fast=None) for k, v in contract.kinds.items()}
    return Contract(kinds)


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rules = load_rules(bundled_rules())
    contract = load_contract()
    baseline = without_fast_check(contract)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = write_register(folder, args.people)
        t_fast, register = timed(lambda: read_folder(folder, contract), args.repeat)
        t_base, _ = timed(lambda: read_folder(folder, baseline), args.repeat)
        std = rules.standard("usia_produktif")
        period = parse_period("2018")
        t_eval, verdicts = timed(lambda: evaluate(rules, std, register, period), args.repeat)
    counted = sum(1 for v in verdicts if v.counted)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows: {rows:,}  subjects: {args.people:,}  counted: {counted:,}  (median of {args.repeat})")
    print(f"read, fast check      : {t_fast:7.2f} s  {rows / t_fast:10,.0f} rows/s")
    print(f"read, jsonschema only : {t_base:7.2f} s  {rows / t_base:10,.0f} rows/s  (baseline)")
    print(f"speed-up vs baseline  : {t_base / t_fast:7.2f} x")
    print(f"evaluate usia_produktif: {t_eval:6.2f} s  {args.people / t_eval:10,.0f} subjects/s")
    print(f"peak memory           : {peak:7.0f} MB")


if __name__ == "__main__":
    main()
