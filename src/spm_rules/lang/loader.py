"""Load a rule-set folder (or single files): parse every file, then check them together."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path

from ..limits import DEFAULT_LIMITS, Limits
from . import ast as A
from .astcache import parse_cached
from .checker import RuleSet, check
from .errors import Diagnostic, RuleError, Severity, Span


def rule_files(paths: Iterable[Path]) -> list[Path]:
    """The .spm files named, or found below the folders named, in a stable order."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*.spm") if p.is_file()))
        else:
            out.append(path)
    return out


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def parse_files(
    paths: Iterable[Path], limits: Limits = DEFAULT_LIMITS
) -> tuple[list[A.RuleFile], list[Diagnostic], dict]:
    """Parse each file, and the shared files a `ruleset`'s `uses` names (each once); a broken
    file gives its diagnostic and the others are still parsed."""
    parsed: list[A.RuleFile] = []
    diags: list[Diagnostic] = []
    texts: dict[str, str] = {}
    files = rule_files(paths)
    seen = {p.resolve() for p in files}
    given = set(seen)
    queue = list(files)
    while queue:
        path = queue.pop(0)
        rf = _parse_one(path, limits, diags, texts)
        if rf is None:
            continue
        if path.resolve() not in given:
            # a file another set declares (its 00_ruleset, one of its standards) joins this set
            # with its declarations, never as a second `ruleset`
            rf = dataclasses.replace(rf, items=tuple(i for i in rf.items if not isinstance(i, A.RuleSetDecl)))
        parsed.append(rf)
        for used, span in _uses(rf):
            target = (path.parent / used).resolve()
            if not target.exists():
                diags.append(
                    Diagnostic(
                        "E108",
                        Severity.ERROR,
                        f"'uses' menunjuk ke '{used}' yang tidak ada (dari {path.parent})",
                        f"'uses' names '{used}', which does not exist (from {path.parent})",
                        rf.path,
                        span,
                    )
                )
                continue
            for extra in rule_files([target]):
                if extra.resolve() not in seen:
                    seen.add(extra.resolve())
                    queue.append(extra)
    if not files:
        diags.append(
            _io_diag(
                ", ".join(str(p) for p in paths) or ".",
                "tidak ada file aturan (.spm)",
                "no rule files (.spm) found",
            )
        )
    return parsed, diags, texts


def _uses(rf: A.RuleFile) -> list[tuple[str, Span]]:
    return [u for item in rf.items if isinstance(item, A.RuleSetDecl) for u in item.header.uses]


def _parse_one(path: Path, limits: Limits, diags: list[Diagnostic], texts: dict) -> A.RuleFile | None:
    name = _display(path)
    try:
        size = path.stat().st_size
        kb, limit = size // 1024, limits.rule_file_kb
        if size > limit * 1024:
            diags.append(
                _io_diag(
                    name,
                    f"file aturan {kb} KB melebihi batas rule_file_kb={limit}; "
                    "naikkan dengan --limit rule_file_kb=N",
                    f"rule file of {kb} KB exceeds the limit rule_file_kb={limit}; "
                    "raise it with --limit rule_file_kb=N",
                    "E004",
                )
            )
            return None
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        diags.append(_io_diag(name, "file tidak ditemukan", "file not found"))
        return None
    except UnicodeDecodeError:
        diags.append(_io_diag(name, "file bukan teks UTF-8", "file is not UTF-8 text"))
        return None
    except OSError as exc:
        diags.append(
            _io_diag(name, f"file tidak bisa dibaca: {exc.strerror}", f"cannot read file: {exc.strerror}")
        )
        return None
    texts[name] = text
    try:
        return parse_cached(text, name, limits)
    except RuleError as err:
        diags.extend(err.diagnostics)
        return None


def _io_diag(name: str, msg: str, msg_en: str, code: str = "E000") -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, msg, msg_en, name, Span(1, 1, 1, 1))


def load_rules(*paths: Path, limits: Limits = DEFAULT_LIMITS) -> RuleSet:
    """Parse and check; raise `RuleError` with every diagnostic if anything is wrong."""
    parsed, diags, _texts = parse_files(paths, limits)
    if diags:
        # still check what parsed, so that one run reports as much as it can
        _rs, more = check(parsed)
        raise RuleError(diags + [d for d in more if d.severity == Severity.ERROR])
    rs, more = check(parsed)
    if rs is None:
        raise RuleError(
            [d for d in more if d.severity == Severity.ERROR]
            + [d for d in more if d.severity != Severity.ERROR]
        )
    return rs
