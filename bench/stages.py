"""Where one `spm-rules check` spends its time and memory, stage by stage, in one process.

    python bench/stages.py --data bench/data/city-0.1 --period 2018 --format json -q > /dev/null

Every argument is passed to `spm-rules check`. Each stage of `api.run_check` and the JSON
writer is wrapped: its seconds (summed over calls) and the resident memory after it, printed
on stderr with the highest resident memory sampled during it and the process's peak
(`ru_maxrss`). The compiled tables are loaded inside the
first standard's evaluation ("queries + verdicts"). A profile, not a comparison: run
`bench/city.py` for figures against a baseline.
"""

from __future__ import annotations

import functools
import resource
import sys
import threading
import time
from typing import Any

import spm_rules.api as api
import spm_rules.cli.main as cli
import spm_rules.engine.compiled as compiled

STAGES: list[tuple[Any, str, str]] = [
    (api, "_read_for_period", "reading the registers"),
    (compiled.Evaluation, "plan", "planning the queries"),
    (compiled.Evaluation, "verdicts", "queries + verdicts"),
    (api, "denominators", "denominators"),
    (api, "aggregate", "aggregating"),
    (api, "build_ledger", "the ledger"),
    (api, "input_digests", "input checksums"),
    (cli, "report_json", "the JSON report"),
]


def _rss_mib() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() >> 20


def main() -> int:
    seconds: dict[str, float] = {}
    after: dict[str, int] = {}
    # the highest resident memory seen during each stage (sampled every 20 ms by a thread):
    # where the peak is reached, which the memory after a stage does not say
    during: dict[str, int] = {}
    current = ["the rest"]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            label, rss = current[-1], _rss_mib()
            if rss > during.get(label, 0):
                during[label] = rss

    threading.Thread(target=sample, daemon=True).start()

    def wrap(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name, None)
        if original is None:
            return

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            current.append(label)
            try:
                return original(*args, **kwargs)
            finally:
                current.pop()
                seconds[label] = seconds.get(label, 0.0) + time.perf_counter() - t0
                after[label] = _rss_mib()

        setattr(owner, name, timed)

    for owner, name, label in STAGES:
        wrap(owner, name, label)
    t0 = time.perf_counter()
    code = cli.main(["check", *sys.argv[1:]])
    total = time.perf_counter() - t0
    done.set()
    for _owner, _name, label in STAGES:
        if label in seconds:
            print(
                f"{label:24s} {seconds[label]:7.2f} s   {after[label]:6d} MiB after"
                f"   {during.get(label, after[label]):6d} MiB at most during",
                file=sys.stderr,
            )
    rest = f"{'the rest':24s} {total - sum(seconds.values()):7.2f} s"
    print(f"{rest}{'':19s}{during.get('the rest', 0):6d} MiB at most during", file=sys.stderr)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10
    print(f"{'total':24s} {total:7.2f} s   {peak:6d} MiB peak (exit {code})", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
