"""A bounded, fixed-seed slice of the input fuzzer (scripts/fuzz.py): mutated registers
(bytes flipped, lines cut, duplicated and dropped, cells swapped and replaced by odd values,
encodings changed, XLSX parts corrupted), mutated mappings and rule text, through check,
validate, lint and fmt. After every case: no traceback, exit codes as documented, every
physical line in the ledger, the ledger balanced."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _fuzz():
    spec = importlib.util.spec_from_file_location("fuzz", ROOT / "scripts" / "fuzz.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_fuzzed_inputs_end_in_a_message_or_a_counted_rejection():
    n, kinds, failures, _slowest = _fuzz().run(cases=400, seed=20261124, cli_every=8)
    assert n >= 100, f"only {n} cases ran"
    assert failures == [], "\n".join(f"{f.kind} {f.case}: {f.detail[:300]}" for f in failures[:10])
    assert kinds["ok"] == n
