"""`spm-rules fmt`: rewrite rule files into the canonical layout, or report what would change."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from ..lang import ast as A
from ..lang.errors import Diagnostic, RuleError
from ..lang.formatter import format_file
from ..lang.loader import rule_files
from ..lang.parser import parse_text
from ..limits import DEFAULT_LIMITS, Limits


class FormatChangedMeaning(AssertionError):
    """Raised if formatting would change what a file means: a bug in the formatter."""


@dataclass
class FmtResult:
    changed: list[tuple[str, str]] = field(default_factory=list)  # (file, unified diff)
    unchanged: list[str] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)


def format_text(text: str, name: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """The canonical text; refuses to return a text whose AST differs from the original."""
    before = parse_text(text, name, limits)
    out = format_file(before)
    after = parse_text(out, name, limits)
    if A.meaning(before.items) != A.meaning(after.items):
        raise FormatChangedMeaning(f"{name}: formatting would change the rules' meaning")
    return out


def fmt_paths(paths: list[Path], write: bool, limits: Limits = DEFAULT_LIMITS) -> FmtResult:
    result = FmtResult()
    for path in rule_files(paths):
        name = str(path)
        try:
            if path.stat().st_size > limits.rule_file_kb * 1024:
                raise OSError(
                    f"{path.stat().st_size // 1024} KB > rule_file_kb={limits.rule_file_kb} "
                    "(--limit rule_file_kb=N)"
                )
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            from ..lang.errors import Severity, Span

            result.errors.append(
                Diagnostic(
                    "E000",
                    Severity.ERROR,
                    f"tidak bisa dibaca: {err}",
                    f"cannot read: {err}",
                    name,
                    Span(1, 1, 1, 1),
                )
            )
            continue
        result.texts[name] = text
        try:
            out = format_text(text, name, limits)
        except RuleError as err:
            result.errors.extend(err.diagnostics)
            continue
        if out == text:
            result.unchanged.append(name)
            continue
        diff = "".join(
            difflib.unified_diff(
                text.splitlines(keepends=True),
                out.splitlines(keepends=True),
                fromfile=f"{name} (sekarang)",
                tofile=f"{name} (fmt)",
            )
        )
        result.changed.append((name, diff))
        if write:
            path.write_text(out, encoding="utf-8")
    return result
