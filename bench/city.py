"""City-scale benchmark: spm-rules against a hand-written DuckDB query, on the same files.

    python scripts/make_city.py --scale 0.1     # once (bench/city.py also writes it if missing)
    python bench/city.py --scale 0.1

Runs, each as its own process: (a) `spm-rules check` of all twelve services keeping every
subject's verdict (JSON: per facility, the subjects counted and not counted, with reasons),
(b) `spm-rules check --standard usia_produktif`, (c) a hand-written DuckDB query computing the
usia produktif counts and reasons per facility from the same CSV files. Prints wall time and
peak memory (the child's own rusage, from os.wait4) of each; the last line is
`ratio=<(b) wall / (c) wall>`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BASELINE_SQL = """
WITH penduduk AS (
  SELECT * FROM read_csv('{d}/penduduk.csv', header = true, all_varchar = true)
), skrining AS (
  SELECT *, row_number() OVER () AS rn
  FROM read_csv('{d}/skrining_ptm.csv', header = true, all_varchar = true)
), s AS (
  SELECT nik, CAST(tanggal AS DATE) AS tanggal, fasilitas, rn,
         petugas IN ('dokter', 'bidan', 'perawat', 'nutrisionis', 'kader_posbindu') AS sah,
         tinggi_badan IS NOT NULL AS tb, berat_badan IS NOT NULL AS bb, lingkar_perut IS NOT NULL AS lp,
         sistolik IS NOT NULL AND diastolik IS NOT NULL AS td, gula_darah IS NOT NULL AS gd,
         skor_srq20 IS NOT NULL AS srq,
         visus IS NOT NULL AS vis, pendengaran IS NOT NULL AS dengar
  FROM skrining
  WHERE CAST(tanggal AS DATE) BETWEEN DATE '2018-01-01' AND DATE '2018-12-31'
), per_person AS (
  SELECT nik,
         arg_min(tanggal, (tanggal, rn)) AS pertama,
         arg_min(fasilitas, (tanggal, rn)) AS fasilitas,
         bool_or(sah) AS petugas,
         bool_or(sah AND tb) AND bool_or(sah AND bb) AND bool_or(sah AND lp) AS obesitas,
         bool_or(sah AND td) AS hipertensi, bool_or(sah AND gd) AS diabetes,
         bool_or(sah AND srq) AS mental, bool_or(sah AND vis) AS penglihatan,
         bool_or(sah AND dengar) AS pendengaran
  FROM s GROUP BY nik
), sasaran AS (
  SELECT x.*, CAST(p.tanggal_lahir AS DATE) AS lahir
  FROM per_person x JOIN penduduk p USING (nik)
  WHERE date_diff('year', CAST(p.tanggal_lahir AS DATE), x.pertama)
        - CASE WHEN strftime(x.pertama, '%m%d') < strftime(CAST(p.tanggal_lahir AS DATE), '%m%d')
               THEN 1 ELSE 0 END BETWEEN 15 AND 59
)
SELECT fasilitas, count(*) AS sasaran,
       count(*) FILTER (WHERE petugas AND obesitas AND hipertensi AND diabetes AND mental
                               AND penglihatan AND pendengaran) AS sesuai_standar,
       count(*) FILTER (WHERE NOT petugas) AS petugas, count(*) FILTER (WHERE NOT obesitas) AS obesitas,
       count(*) FILTER (WHERE NOT hipertensi) AS hipertensi, count(*) FILTER (WHERE NOT diabetes) AS diabetes,
       count(*) FILTER (WHERE NOT mental) AS mental, count(*) FILTER (WHERE NOT penglihatan) AS penglihatan,
       count(*) FILTER (WHERE NOT pendengaran) AS pendengaran
FROM sasaran GROUP BY fasilitas ORDER BY fasilitas
"""


def baseline(folder: Path) -> None:
    """(c): the hand-written query; prints its per-facility table and the total."""
    import duckdb

    rows = duckdb.sql(BASELINE_SQL.format(d=folder.as_posix())).fetchall()
    for row in rows:
        print(*row, sep="\t")
    print("total", sum(r[1] for r in rows), sum(r[2] for r in rows), sep="\t")


def measure(name: str, argv: list[str], out: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of one child process (`env`: added to ours)."""
    t0 = time.perf_counter()
    with out.open("w") as fh:
        proc = subprocess.Popen(
            argv, stdout=fh, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})}
        )
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        err = proc.stderr.read() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    peak = usage.ru_maxrss / 1024  # KiB on Linux
    print(f"{name}: {wall:.2f} s wall, {peak:.0f} MiB peak, exit {code} -> {out}", flush=True)
    if code != 0:
        print(err[-2000:], file=sys.stderr)
    return wall, peak


def city_folders(scale: float) -> tuple[Path, Path]:
    """The generated registers of a scale (written by scripts/make_city.py when missing) and
    the folder for the benchmark's outputs."""
    data = ROOT / "bench" / "data" / f"city-{scale:g}"
    if not (data / "penduduk.csv").is_file():
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "make_city.py"), "--scale", str(scale)], check=True
        )
    out = ROOT / "bench" / "data" / f"out-{scale:g}"
    out.mkdir(parents=True, exist_ok=True)
    return data, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--baseline-only", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--engine", default="auto", help="spm-rules --engine (auto, compiled, interpreter)")
    args = ap.parse_args()
    if args.baseline_only is not None:
        baseline(args.baseline_only)
        return
    data, out = city_folders(args.scale)
    spm = [sys.executable, "-m", "spm_rules", "check", "-q", "--data", str(data), "--period", "2018"]
    spm += ["--engine", args.engine, "--format", "json"]
    measure("(a) spm-rules, twelve services", [*spm], out / "all.json")
    wall_b, _ = measure(
        "(b) spm-rules, usia produktif", [*spm, "--standard", "usia_produktif"], out / "up.json"
    )
    wall_c, _ = measure(
        "(c) DuckDB SQL, usia produktif",
        [sys.executable, str(Path(__file__).resolve()), "--baseline-only", str(data)],
        out / "baseline.tsv",
    )
    print(f"ratio={wall_b / wall_c:.2f}")


if __name__ == "__main__":
    main()
