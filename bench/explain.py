"""`explain` at city scale: one subject of each kind on the generated city registers.

    python bench/explain.py --scale 0.1            # data written by scripts/make_city.py if missing
    python bench/explain.py --scale 1 --no-baseline
    python bench/explain.py --scale 1 --no-baseline --runs 5 --data ../main/bench/data/city-1

Each `spm-rules explain --subject K --period 2018` runs as its own process (wall time, and
peak memory from the child's rusage), `--runs` times (the median kept; the first run fills
the user's cache of parsed rule files if no command did before); then, in this process, where
the time of one explain goes (imports, rule set, fetching the subject's rows, the
interpreter). The baseline in the
same run is the same explain without `--period`, which reads every register in full (the
default period needs every record); both answers must be equal. The last line is
`explain_max=<slowest explain, seconds>`. A benchmark, not a timed test.

With `--index`, the folder's identifier index is built first (`spm-rules index`, timed) and
each subject is explained with it and, as the baseline in the same run, without it
(`SPM_RULES_NO_INDEX=1`: the byte search over every file), run by run in turn; the two
answers must be equal. `explain_max=` is then the slowest explain with the index.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from city import city_folders, measure  # noqa: E402

# (file, column): the first row of each names a subject of one or more standards
SUBJECTS = (
    ("skrining_ptm.csv", "nik"),  # usia produktif
    ("kehamilan.csv", "id_kehamilan"),  # ibu hamil, ibu bersalin
    ("kunjungan_neonatal.csv", "nik"),  # bayi baru lahir
    ("pengukuran_balita.csv", "nik"),  # balita
    ("skrining_sekolah.csv", "nik"),  # pendidikan dasar
    ("skrining_lansia.csv", "nik"),  # usia lanjut
    ("kunjungan_ptm.csv", "nik"),  # hipertensi, diabetes
    ("kunjungan_jiwa.csv", "nik"),  # ODGJ berat
    ("kasus_tb.csv", "id_kasus"),  # tuberkulosis
    ("kelompok_risiko.csv", "nik"),  # risiko HIV
)


def subjects(data: Path) -> list[str]:
    out = []
    for name, column in SUBJECTS:
        with (data / name).open(newline="", encoding="utf-8") as fh:
            row = next(csv.DictReader(fh), None)
        if row and row.get(column):
            out.append(row[column])
    return out


def breakdown(data: Path, key: str) -> None:
    """Where one explain's time goes, measured in this process."""
    t0 = time.perf_counter()
    from spm_rules.api import explain_person, open_subject_register, rules_for
    from spm_rules.registers.contract import load_contract
    from spm_rules.resources import bundled_library

    t1 = time.perf_counter()
    rs, _choice = rules_for(bundled_library(), None, "2018")
    t2 = time.perf_counter()
    register = open_subject_register(data, key, load_contract())
    t3 = time.perf_counter()
    found = explain_person(rs, register, key, "2018")
    t4 = time.perf_counter()
    print(
        f"in one process, subject {key}: imports {t1 - t0:.2f} s, rule set {t2 - t1:.2f} s, "
        f"fetching its rows {t3 - t2:.3f} s ({register.rows_read} rows read), "
        f"interpreter {t4 - t3:.3f} s ({len(found)} verdicts)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--no-baseline", action="store_true", help="skip the full-read explain")
    ap.add_argument("--runs", type=int, default=1, help="runs of each explain (the median is kept)")
    ap.add_argument("--data", type=Path, default=None, help="registers already generated elsewhere")
    ap.add_argument("--index", action="store_true", help="with the identifier index, against without")
    args = ap.parse_args()
    data, out = city_folders(args.scale)
    data = args.data.resolve() if args.data else data
    size = sum(p.stat().st_size for p in data.glob("*.csv")) / 2**20
    print(f"data: {data} ({size:.0f} MiB of CSV)")
    keys = subjects(data)
    spm = [sys.executable, "-m", "spm_rules", "explain", "--data", str(data), "--format", "json"]
    if args.index:
        index = [sys.executable, "-m", "spm_rules", "index", "--data", str(data)]
        measure("spm-rules index (built once)", index, out / "index.txt")
        print((out / "index.txt").read_text().strip())
    walls = []
    for i, key in enumerate(keys):
        argv = [*spm, "--subject", key, "--period", "2018"]
        runs, plain = [], []
        for _ in range(max(1, args.runs)):
            runs.append(measure(f"explain {key}", argv, out / f"explain-{i}.json"))
            if args.index:
                no_index = {"SPM_RULES_NO_INDEX": "1"}
                plain.append(measure(f"  without index {key}", argv, out / f"plain-{i}.json", no_index))
        walls.append(statistics.median(wall for wall, _peak in runs))
        if args.runs > 1 or args.index:
            line = f"  median of {len(runs)}: {walls[-1]:.2f} s"
            if args.index:
                same = (out / f"plain-{i}.json").read_bytes() == (out / f"explain-{i}.json").read_bytes()
                line += f"; without index {statistics.median(w for w, _ in plain):.2f} s"
                line += f"; same answer: {'yes' if same else 'NO'}"
            print(line)
    breakdown(data, keys[0])
    if not args.no_baseline:
        measure(
            f"baseline: explain {keys[0]} reading everything", [*spm, "--subject", keys[0]], out / "full.json"
        )
        same = (out / "full.json").read_text() == (out / "explain-0.json").read_text()
        print(f"same answer as the full read: {'yes' if same else 'NO'}")
    print(f"explain_max={max(walls):.2f}")


if __name__ == "__main__":
    main()
