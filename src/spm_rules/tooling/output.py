"""Machine-readable and human output for lint, test and fmt: text, json, junit, github."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from ..lang.errors import Diagnostic, format_diagnostic
from ..report.catalogue import label as _label
from ..report.catalogue import words
from .config import LintConfig
from .fmt import FmtResult
from .lint import LintResult
from .testing import TestRun


def _gh_escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(text: str) -> str:
    return _gh_escape(text).replace(":", "%3A").replace(",", "%2C")


def _gh_level(severity: str) -> str:
    return {"error": "error", "warning": "warning"}.get(severity, "notice")


def _junit(suites: list[tuple[str, list[tuple[str, str, str | None, str]]]]) -> str:
    """suites: (name, [(case name, classname, failure message or None, details)])."""
    root = ET.Element("testsuites")
    for suite_name, cases in suites:
        failures = sum(1 for c in cases if c[2] is not None)
        suite = ET.SubElement(
            root, "testsuite", name=suite_name, tests=str(len(cases)), failures=str(failures)
        )
        for name, classname, failure, details in cases:
            tc = ET.SubElement(suite, "testcase", name=name, classname=classname)
            if failure == "__skipped__":
                ET.SubElement(tc, "skipped", message=details)
            elif failure is not None:
                el = ET.SubElement(tc, "failure", message=failure)
                el.text = details
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


# ---- lint ----------------------------------------------------------------------------------


def lint_output(result: LintResult, config: LintConfig, fmt: str, lang: str) -> str:
    diags = result.diagnostics
    if fmt == "json":
        return (
            json.dumps(
                {
                    "files": result.files,
                    "findings": [_diag_json(d, config) for d in diags],
                    "silenced": result.silenced,
                    "failed": bool(result.failing(config)),
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
    if fmt == "github":
        return "".join(
            f"::{_gh_level(d.severity.value)} file={_gh_prop(d.file)},line={d.span.line},"
            f"col={d.span.col},title={d.code}::{_gh_escape(d.text(lang))}\n"
            for d in diags
        )
    if fmt == "junit":
        suites = []
        for file in result.files or sorted({d.file for d in diags}):
            cases = [
                (
                    f"{d.code} {d.span.line}:{d.span.col}",
                    file,
                    d.text(lang) if config.fails(d.severity) else None,
                    format_diagnostic(d, result.texts.get(d.file), lang),
                )
                for d in diags
                if d.file == file
            ] or [("lint", file, None, "")]
            suites.append((f"lint {file}", cases))
        return _junit(suites)
    lines = [format_diagnostic(d, result.texts.get(d.file), lang) for d in diags]
    counts = {s: sum(1 for d in diags if d.severity.value == s) for s in ("error", "warning", "info")}
    files = len(result.files)
    summary = words(
        "tool.lint_summary",
        lang,
        files=files,
        errors=counts["error"],
        warnings=counts["warning"],
        info=counts["info"],
    )
    if result.silenced:
        summary += " " + words("tool.silenced", lang, n=result.silenced)
    return "\n".join([*lines, summary]) + "\n"


def _diag_json(d: Diagnostic, config: LintConfig) -> dict:
    return {
        "code": d.code,
        "severity": d.severity.value,
        "fails": config.fails(d.severity),
        "file": d.file,
        "line": d.span.line,
        "col": d.span.col,
        "end_line": d.span.end_line,
        "end_col": d.span.end_col,
        "message": d.message,
        "message_en": d.message_en,
        "hint": d.hint,
        "hint_en": d.hint_en,
    }


# ---- test ----------------------------------------------------------------------------------


def test_output(run: TestRun, fmt: str, lang: str, coverage: bool) -> str:
    if fmt == "json":
        return (
            json.dumps(
                {
                    "passed": run.count("passed"),
                    "failed": run.count("failed"),
                    "errors": run.count("error"),
                    "skipped": run.count("skipped"),
                    "file_errors": run.errors,
                    "cases": [
                        {
                            "file": c.file,
                            "line": c.line,
                            "name": c.name,
                            "standard": c.standard,
                            "status": c.status,
                            "problems": c.problems,
                        }
                        for c in run.cases
                    ],
                    "coverage": {
                        "percent": round(run.coverage_percent, 2),
                        "items": [
                            {
                                "standard": i.standard,
                                "node": i.node,
                                "kind": i.kind,
                                "value": i.value,
                                "seen": i.seen,
                                "file": i.file,
                                "line": i.line,
                            }
                            for i in run.coverage
                        ],
                    }
                    if coverage
                    else None,
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
    if fmt == "github":
        out = []
        for c in run.cases:
            if c.status in ("failed", "error"):
                msg = f"{c.name}: " + "; ".join(c.problems)
                out.append(
                    f"::error file={_gh_prop(c.file)},line={c.line},"
                    f"title={_gh_prop(c.standard)}::{_gh_escape(msg)}\n"
                )
        for e in run.errors:
            out.append(f"::error::{_gh_escape(e)}\n")
        if coverage:
            for i in run.coverage:
                if not i.seen:
                    out.append(
                        f"::warning file={_gh_prop(i.file)},line={i.line},title=coverage::"
                        f"{_gh_escape(_coverage_text(i, lang))}\n"
                    )
        return "".join(out)
    if fmt == "junit":
        by_file: dict[str, list] = {}
        for c in run.cases:
            failure = None
            if c.status in ("failed", "error"):
                failure = "; ".join(c.problems)
            elif c.status == "skipped":
                failure = "__skipped__"
            by_file.setdefault(c.file, []).append(
                (c.name, c.standard, failure, "\n".join(c.problems) + "\n" + c.explanation)
            )
        return _junit(list(by_file.items()))
    lines: list[str] = []
    for e in run.errors:
        lines.append(f"{_label('word.error', lang)} {e}")
    for c in run.cases:
        if c.status in ("failed", "error"):
            word = _label(f"word.{c.status}", lang)
            lines.append(f"{word} {c.file}:{c.line} {c.standard} · {c.name}")
            lines += [f"    {p}" for p in c.problems]
            if c.explanation:
                lines += ["    " + ln for ln in c.explanation.rstrip().splitlines()]
    if coverage:
        missing = [i for i in run.coverage if not i.seen]
        label = words("tool.coverage", lang)
        lines.append(
            f"{label}: {run.coverage_percent:.1f} % ({len(run.coverage) - len(missing)}/{len(run.coverage)})"
        )
        lines += [f"    {i.file}:{i.line} {_coverage_text(i, lang)}" for i in missing]
    summary = f"{run.count('passed')} passed, {run.count('failed') + run.count('error')} failed"
    if run.count("skipped"):
        summary += f", {run.count('skipped')} skipped"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def _coverage_text(i, lang: str) -> str:
    return f"{i.standard}.{i.node}: {words(f'tool.never.{i.kind}', lang, value=i.value)}"


# ---- fmt -----------------------------------------------------------------------------------


def fmt_output(result: FmtResult, fmt: str, lang: str, check: bool) -> str:
    if fmt == "json":
        return (
            json.dumps(
                {
                    "changed": [f for f, _d in result.changed],
                    "unchanged": result.unchanged,
                    "errors": [
                        {"file": d.file, "line": d.span.line, "col": d.span.col, "message": d.text(lang)}
                        for d in result.errors
                    ],
                    "written": not check,
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
    if fmt == "github":
        word = words("tool.fmt_github", lang)
        out = [
            f"::error file={_gh_prop(f)},line=1,title=fmt::{_gh_escape(word)}\n" for f, _d in result.changed
        ]
        out += [
            f"::error file={_gh_prop(d.file)},line={d.span.line},col={d.span.col},"
            f"title={d.code}::{_gh_escape(d.text(lang))}\n"
            for d in result.errors
        ]
        return "".join(out)
    if fmt == "junit":
        cases = [(f, "fmt", "needs formatting" if check else None, d) for f, d in result.changed]
        cases += [(f, "fmt", None, "") for f in result.unchanged]
        return _junit([("fmt", cases)])
    lines = [format_diagnostic(d, result.texts.get(d.file), lang) for d in result.errors]
    if check:
        lines += [d.rstrip("\n") for _f, d in result.changed]
    else:
        lines += [words("tool.fmt_rewritten", lang, file=f) for f, _d in result.changed]
    n, total = len(result.changed), len(result.changed) + len(result.unchanged)
    lines.append(words("tool.fmt_would_change" if check else "tool.fmt_changed", lang, n=n, total=total))
    return "\n".join(lines) + "\n"
