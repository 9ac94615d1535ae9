"""Reading registers at city scale: `read_folder` of this checkout against a baseline revision.

    python bench/read.py --scale 0.1                  # baseline: the `main` branch
    python bench/read.py --data DIR --before REV --repeat 2

Each side runs in its own process (the same interpreter, `PYTHONPATH` at that side's `src`; the
baseline's sources are exported with `git archive`, nothing is checked out). Each prints the
wall time of `read_folder` alone (no rule set, no report), split into reading the rows (files to
entries) and the checks across records (`readers.assemble`), rows read per second and a digest
of every entry and problem (file, line, fate, reason, record values); the digests of both sides
must be equal, since an optimisation may not change a result. The cyclic garbage collector
rests during the read, as it does while `spm-rules` runs a command (`--gc` keeps it working).
The last lines are `speedup=<before seconds / after seconds>` and the same for reading the rows
alone. A benchmark that prints figures, not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-01-01"  # fixed: both sides must judge dates against the same day

CHILD = """
import datetime as dt, gc, hashlib, json, sys, time
from pathlib import Path
from spm_rules.registers import readers

folder, today, repeat = Path(sys.argv[1]), dt.date.fromisoformat(sys.argv[2]), int(sys.argv[3])
if sys.argv[4] == "rest":
    gc.disable()
assemble, spent = readers.assemble, []

def timed_assemble(*args, **kwargs):
    t0 = time.perf_counter()
    out = assemble(*args, **kwargs)
    spent.append(time.perf_counter() - t0)
    return out

readers.assemble = timed_assemble
best = None
for _ in range(repeat):
    register = None
    gc.collect()
    t0 = time.perf_counter()
    register = readers.read_folder(folder, today=today)
    seconds = time.perf_counter() - t0
    if best is None or seconds < best:
        best, checks = seconds, spent[-1]
h = hashlib.sha256()
for e in register.entries:
    values = sorted((k, repr(v)) for k, v in e.record.values.items()) if e.record else None
    h.update(repr((e.ref.file, e.ref.line, e.kind, str(e.fate), e.reason, values)).encode())
for p in register.problems:
    h.update(repr(p).encode())
for kind, records in sorted(register.records.items()):  # each kind's order (date, file, line)
    h.update(repr((kind, [(r.ref.file, r.ref.line) for r in records])).encode())
subjects = sum(1 for e in register.entries if e.kind == "penduduk" and e.record is not None)
print(json.dumps({"seconds": best, "checks": checks, "rows": len(register.entries), "persons": subjects,
                  "digest": h.hexdigest()}))
"""


def export(rev: str, into: Path) -> Path:
    """The `src` tree of a git revision, unpacked into a temporary folder."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True)
    tar = into / "src.tar"
    tar.write_bytes(archive.stdout)
    with tarfile.open(tar) as tf:
        tf.extractall(into, filter="data")
    return into / "src"


def run(label: str, src: Path, data: Path, repeat: int, gc: bool) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(data), TODAY, str(repeat), "work" if gc else "rest"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    rate = result["rows"] / result["seconds"]
    print(
        f"{label}: {result['seconds']:.2f} s (rows {result['seconds'] - result['checks']:.2f} s, checks "
        f"across records {result['checks']:.2f} s), {result['rows']:,} rows, {rate:,.0f} rows/s, "
        f"digest {result['digest'][:16]}",
        flush=True,
    )
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--data", type=Path, default=None, help="a data folder (default bench/data/city-SCALE)")
    ap.add_argument("--before", default="main", help="the baseline git revision (default main)")
    ap.add_argument("--repeat", type=int, default=1, help="reads per side; the fastest counts")
    ap.add_argument("--gc", action="store_true", help="keep the cyclic garbage collector working")
    args = ap.parse_args()
    data = args.data or ROOT / "bench" / "data" / f"city-{args.scale:g}"
    if not (data / "penduduk.csv").is_file():
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "make_city.py"), "--scale", str(args.scale)], check=True
        )
    print(f"data: {data}")
    with tempfile.TemporaryDirectory() as tmp:
        before = run(f"before ({args.before})", export(args.before, Path(tmp)), data, args.repeat, args.gc)
    after = run("after (this checkout)", ROOT / "src", data, args.repeat, args.gc)
    same = before["digest"] == after["digest"] and before["rows"] == after["rows"]
    print(f"persons in the person register: {after['persons']:,}")
    print("results: identical" if same else "results: DIFFERENT")
    print(f"speedup={before['seconds'] / after['seconds']:.2f}")
    rows_before, rows_after = (r["seconds"] - r["checks"] for r in (before, after))
    print(f"speedup_rows={rows_before / rows_after:.2f}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
