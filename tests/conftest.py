"""Shared fixtures: the bundled rule set, and registers built case by case in a temp folder."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from spm_rules.engine.evaluate import evaluate, find_subject
from spm_rules.engine.period import parse_period
from spm_rules.engine.verdict import Status, Verdict
from spm_rules.lang.loader import load_rules
from spm_rules.registers.readers import read_folder
from spm_rules.resources import bundled_rules

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def ruleset():
    return load_rules(bundled_rules())


def copy_rule_set(folder: Path, ignore=None) -> Path:
    """A copy of the bundled 2016 set at `folder`, with the shared declarations it `uses` beside
    it (`../shared`), so that a test may edit the copy."""
    import shutil

    shutil.copytree(bundled_rules(), folder, ignore=ignore)
    shared = bundled_rules().parent / "shared"
    if not (folder.parent / "shared").exists():
        shutil.copytree(shared, folder.parent / "shared")
    return folder


def write_register(folder: Path, tables: dict[str, list[dict]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for kind, rows in tables.items():
        if not rows:
            continue
        cols: list[str] = []
        for row in rows:
            cols += [c for c in row if c not in cols]
        with (folder / f"{kind}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=cols)
            w.writeheader()
            for row in rows:
                w.writerow({k: _cell(v) for k, v in row.items()})
    return folder


def _cell(v):
    if v is None:
        return ""
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


class Evaluated:
    """One subject's verdict, with helpers to read criterion statuses by id."""

    def __init__(self, verdict: Verdict):
        self.v = verdict
        self.nodes = {}

        def walk(nodes):
            for n in nodes:
                self.nodes[n.id] = n
                walk(n.children)

        walk(verdict.criteria)

    def status(self, cid: str) -> Status:
        return self.nodes[cid].status

    def node(self, cid: str):
        return self.nodes[cid]


@pytest.fixture
def run(ruleset, tmp_path):
    counter = {"n": 0}

    def _run(standard: str, tables: dict, key: str, period: str = "2018") -> Evaluated:
        counter["n"] += 1
        folder = write_register(tmp_path / f"r{counter['n']}", tables)
        register = read_folder(folder)
        assert not [p for p in register.problems if p.severity == "error"], register.problems
        std = ruleset.standard(standard)
        rec = find_subject(std, register, key)
        assert rec is not None, f"no subject {key}"
        p = parse_period(period, std.period_kind)
        return Evaluated(evaluate(ruleset, std, register, p, [rec])[0])

    return _run
