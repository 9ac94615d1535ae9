"""`spm-rules test`: YAML test cases next to the rule files, and criterion/condition coverage.

A test file (`*.test.yaml`, in a rule-set folder or a `tests/` folder below it):

```yaml
standard: ibu_hamil
period: "2018"
records:                       # shared by every case, per record kind
  penduduk: [{nik: "3216…", jenis_kelamin: P, tanggal_lahir: 1990-03-12, wilayah: PKM A}]
cases:
  - name: lengkap dihitung
    subject: KH-1
    records:                   # per kind: replaces the shared rows of that kind
      kehamilan: [...]
    data: ../../reports_in/x   # or: a register folder, relative to this file
    skip: "why"                # optional
    expect:
      counted: true
      in_population: true
      facility: PKM A
      criteria: {k1: met, t8_protein: not_applicable}
      explanation_contains: ["tablet tambah darah: 90"]
```
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..engine.evaluate import evaluate, find_subject
from ..engine.period import PeriodError, parse_period
from ..engine.verdict import NodeResult, Status, Verdict
from ..lang import ast as A
from ..lang.checker import RuleSet
from ..lang.errors import RuleError
from ..lang.loader import load_rules
from ..lang.params import ParamError, with_params
from ..messages import BilingualError, DataFolderMissing
from ..registers.readers import read_folder, register_from_tables
from ..report.catalogue import words
from ..report.phrases import verdict_words

# a criterion the verdict never reached (the subject is out of scope) is "not_evaluated"
NOT_REACHED = "not_evaluated"
STATUSES = {s.value for s in Status} | {NOT_REACHED}


@dataclass
class CaseResult:
    file: str
    line: int
    name: str
    standard: str
    status: str  # "passed" | "failed" | "skipped" | "error"
    problems: list[str] = field(default_factory=list)
    explanation: str = ""
    verdict: Verdict | None = None


@dataclass
class CoverageItem:
    standard: str
    node: str
    kind: str  # "outcome" | "when" | "population"
    value: str  # "met" / "not_met", "true" / "false"
    seen: bool = False
    file: str = ""
    line: int = 0


@dataclass
class TestRun:
    cases: list[CaseResult] = field(default_factory=list)
    coverage: list[CoverageItem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # files that could not be used at all

    def count(self, status: str) -> int:
        return sum(1 for c in self.cases if c.status == status)

    @property
    def coverage_percent(self) -> float:
        if not self.coverage:
            return 100.0
        return 100.0 * sum(1 for i in self.coverage if i.seen) / len(self.coverage)


class TestFileError(BilingualError):
    """A test file with no rule folder above it."""

    def __init__(self, file: str):
        super().__init__(
            words("test.no_rules_above", "id", file=file), words("test.no_rules_above", "en", file=file)
        )


def discover(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(x for x in p.rglob("*.test.yaml") if x.is_file())
        elif p.name.endswith(".test.yaml"):
            out.append(p)
    return out


def _rules_folder(test_file: Path) -> Path:
    """The nearest folder, from the test file upwards, that holds .spm files."""
    for folder in [test_file.parent, *test_file.parent.parents]:
        if any(folder.glob("*.spm")):
            return folder
    raise TestFileError(str(test_file))


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping (for case locations)."""


def _construct_mapping(loader, node):
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# dates stay text, so that the register validator judges them (and `2018-02-30` is a row error
# in plain words, not a crash inside the YAML library)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def run_tests(paths: list[Path], select: str | None = None, lang: str = "id") -> TestRun:
    run = TestRun()
    rule_sets: dict[Path, RuleSet] = {}
    covered: dict[Path, list[CoverageItem]] = {}
    for test_file in discover(paths):
        name = str(test_file)
        try:
            doc = yaml.load(test_file.read_text(encoding="utf-8"), Loader=_LineLoader)
            folder = _rules_folder(test_file)
            if folder not in rule_sets:
                rule_sets[folder] = load_rules(folder)
                covered[folder] = coverage_items(rule_sets[folder], folder)
        except TestFileError as err:
            run.errors.append(err.text(lang))
            continue
        except (yaml.YAMLError, OSError) as err:
            run.errors.append(words("test.unreadable", lang, file=name, detail=str(err)))
            continue
        except RuleError as err:
            first = err.diagnostics[0]
            where = f"{first.file}:{first.span.line}"
            run.errors.append(
                words("test.rules_unusable", lang, file=name, where=where, message=first.text(lang))
            )
            continue
        rs = rule_sets[folder]
        if not isinstance(doc, dict) or not isinstance(doc.get("cases"), list):
            run.errors.append(words("test.needs_cases", lang, file=name))
            continue
        for case in doc["cases"]:
            result = _run_case(rs, test_file, doc, case, select, lang)
            if result is None:
                continue
            run.cases.append(result)
            if result.verdict is not None:
                _mark(covered[folder], result.verdict)
    for items in covered.values():
        run.coverage.extend(items)
    return run


def _run_case(
    rs: RuleSet, test_file: Path, doc: dict, case: dict, select: str | None, lang: str
) -> CaseResult | None:
    line = int(case.get("__line__", 1)) if isinstance(case, dict) else 1
    if not isinstance(case, dict) or "name" not in case:
        return CaseResult(
            str(test_file), line, "?", "?", "error", [words("test.case_needs", lang, key="name")]
        )
    name = str(case["name"])
    if select and not (select in name or fnmatch.fnmatch(name, select)):
        return None
    sid = str(case.get("standard", doc.get("standard", "")))
    res = CaseResult(str(test_file), line, name, sid, "passed")
    if case.get("skip"):
        res.status = "skipped"
        res.problems.append(words("test.skipped", lang, why=case["skip"]))
        return res
    std = rs.standard(sid)
    if std is None:
        return _error(res, words("test.unknown_standard", lang, sid=sid, known=tuple(rs.standards)))
    if case.get("params"):
        try:
            rs = with_params(rs, _strip_lines(case["params"]))
        except ParamError as err:
            return _error(res, err.text(lang))
    try:
        period = parse_period(str(case.get("period", doc.get("period", ""))), std.period_kind or "year")
    except PeriodError as err:
        return _error(res, err.text(lang))
    if "data" in case:
        try:
            register = read_folder((test_file.parent / str(case["data"])).resolve(), rs.contract)
        except DataFolderMissing as err:
            return _error(res, err.text(lang))
    else:
        tables = {
            **_strip_lines(doc.get("records") or {}),
            **_strip_lines(case.get("records") or {}),
        }
        register = register_from_tables(tables, f"{test_file.name}:{name}", rs.contract)
    bad = [p for p in register.problems if p.severity == "error"]
    if bad:
        return _error(res, *[words("test.data", lang, problem=p) for p in bad])
    key = case.get("subject")
    if key is None:
        return _error(res, words("test.case_needs", lang, key="subject"))
    rec = find_subject(std, register, str(key))
    if rec is None:
        return _error(res, words("test.no_subject", lang, key=str(key), kind=std.subject_kind))
    verdict = evaluate(rs, std, register, period, [rec])[0]
    res.verdict = verdict
    res.explanation = "\n".join(verdict_words(verdict, lang))
    # expected phrases may be written in either language, whatever language the run reports in
    searchable = "\n".join(
        line
        for language in ("id", "en")
        for raw in (False, True)
        for line in verdict_words(verdict, language, raw)
    )
    res.problems = _compare(std, verdict, _strip_lines(case.get("expect") or {}), searchable, lang)
    res.status = "failed" if res.problems else "passed"
    return res


def _error(res: CaseResult, *problems: str) -> CaseResult:
    res.status = "error"
    res.problems.extend(problems)
    return res


def _nodes(v: Verdict) -> dict[str, NodeResult]:
    out: dict[str, NodeResult] = {}

    def walk(nodes):
        for n in nodes:
            out[n.id] = n
            walk(n.children)

    walk(v.criteria)
    return out


def _compare(std: A.Standard, v: Verdict, expect: dict, explanation: str, lang: str) -> list[str]:
    problems: list[str] = []
    for key in ("counted", "in_population", "in_period", "facility"):
        if key in expect and expect[key] != getattr(v, key):
            problems.append(
                words("test.expected", lang, key=key, want=repr(expect[key]), got=repr(getattr(v, key)))
            )
    nodes = _nodes(v)
    known = {n.id for n in A.iter_nodes(std.criteria)}
    for cid, want in (expect.get("criteria") or {}).items():
        if cid not in known:
            problems.append(words("test.unknown_criterion", lang, cid=cid))
            continue
        if want not in STATUSES:
            problems.append(
                words("test.unknown_status", lang, cid=cid, want=want, known=tuple(sorted(STATUSES)))
            )
            continue
        got = nodes[cid].status.value if cid in nodes else NOT_REACHED
        if got != want:
            problems.append(words("test.expected", lang, key=cid, want=want, got=got))
    for text in expect.get("explanation_contains") or []:
        if str(text) not in explanation:
            problems.append(words("test.explanation_lacks", lang, text=str(text)))
    return problems


# ---- coverage ------------------------------------------------------------------------------


def coverage_items(rs: RuleSet, folder: Path | None = None) -> list[CoverageItem]:
    """What the tests of a rule set must see: every criterion met and not met, every `when`
    true and false, every population (unless it is a constant) both in and out. A standard a
    set takes from another set's folder is covered by that set's tests, not again here."""
    items: list[CoverageItem] = []
    for std in rs.standards.values():
        if folder is not None and folder.resolve() not in Path(std.file).resolve().parents:
            continue
        if std.population is not None and not isinstance(std.population, A.Literal):
            line = std.spans.get("population", std.span).line
            items += [
                CoverageItem(std.id, "population", "population", v, file=std.file, line=line)
                for v in ("true", "false")
            ]
        for node in A.iter_nodes(std.criteria):
            if isinstance(node, A.Criterion):
                items += [
                    CoverageItem(std.id, node.id, "outcome", v, file=std.file, line=node.span.line)
                    for v in ("met", "not_met")
                ]
            if node.when is not None:
                items += [
                    CoverageItem(std.id, node.id, "when", v, file=std.file, line=node.when.span.line)
                    for v in ("true", "false")
                ]
    return items


def _mark(items: list[CoverageItem], v: Verdict) -> None:
    nodes = _nodes(v)
    for item in items:
        if item.standard != v.standard or item.seen:
            continue
        if item.kind == "population":
            if v.in_period:
                item.seen = (item.value == "true") == v.in_population
            continue
        node = nodes.get(item.node)
        if node is None:
            continue
        if item.kind == "outcome":
            item.seen = node.status.value == item.value
        elif item.kind == "when":
            item.seen = node.when_value == item.value
