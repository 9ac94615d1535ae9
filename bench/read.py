"""Reading registers at city scale: rows per second of `read_folder` (read, validate, check
across records), best of a few runs, in this process.

    python scripts/make_city.py --scale 0.1
    python bench/read.py --scale 0.1 [--runs 3]

Run it from two checkouts (before and after a change) in one session to compare; a benchmark
that prints figures, not a timed test.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.01)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    from spm_rules.registers.contract import load_contract
    from spm_rules.registers.readers import read_folder

    data = ROOT / "bench" / "data" / f"city-{args.scale:g}"
    if not data.is_dir():
        sys.exit(f"no data: python scripts/make_city.py --scale {args.scale:g}")
    contract = load_contract()
    best, cpu = float("inf"), float("inf")
    for _ in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        register = read_folder(data, contract, today=dt.date(2026, 1, 1))
        best, cpu = min(best, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
        rows = register.rows_read
        del register
    print(
        f"{rows} rows, best of {args.runs}: {best:.2f} s wall, {cpu:.2f} s CPU, "
        f"{rows / best:,.0f} rows/s ({rows / cpu:,.0f} per CPU second)"
    )


if __name__ == "__main__":
    main()
