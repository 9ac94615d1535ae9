"""Source positions and diagnostics shared by the parser, the checker and the CLI.

Diagnostics carry a stable code, a severity and the message in Indonesian and English, so that
the language of the output is chosen by whoever renders it, never by the code that found the
problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from ..messages import BilingualError


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a rule file: 1-based lines and columns, end column exclusive."""

    line: int
    col: int
    end_line: int
    end_col: int

    @staticmethod
    def point(line: int, col: int) -> Span:
        return Span(line, col, line, col + 1)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about a rule file, with both languages of its message."""

    code: str
    severity: Severity
    message: str  # Bahasa Indonesia
    message_en: str
    file: str
    span: Span
    hint: str = ""
    hint_en: str = ""

    def text(self, lang: str = "id") -> str:
        return self.message_en if lang == "en" else self.message

    def hint_text(self, lang: str = "id") -> str:
        return self.hint_en if lang == "en" else self.hint


class RuleError(BilingualError):
    """Raised when rule files cannot be used; carries every diagnostic that was found."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        first = diagnostics[0] if diagnostics else None
        where = f"{first.file}:{first.span.line}:{first.span.col}" if first else None
        super().__init__(
            first.message if first else "galat aturan", first.message_en if first else "rule error", where
        )

    def report(self, lang: str = "id") -> str:
        """Every diagnostic with its source line and caret, then how many there were."""
        out = []
        for d in self.diagnostics:
            try:
                text = Path(d.file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = None
            out.append(format_diagnostic(d, text, lang))
        n = len(self.diagnostics)
        out.append(
            f"{n} error(s) in the rules; nothing was evaluated."
            if lang == "en"
            else f"{n} galat pada aturan; tidak ada yang dievaluasi."
        )
        return "\n".join(out)


def format_diagnostic(diag: Diagnostic, source: str | None, lang: str = "id") -> str:
    """`file:line:col: severity[CODE]: message`, the source line, a caret, and the hint."""
    sev = {"id": {"error": "galat", "warning": "peringatan", "info": "info"}}.get(lang, {})
    label = sev.get(diag.severity.value, diag.severity.value)
    out = [f"{diag.file}:{diag.span.line}:{diag.span.col}: {label}[{diag.code}]: {diag.text(lang)}"]
    if source is not None:
        lines = source.splitlines()
        if 1 <= diag.span.line <= len(lines):
            text = lines[diag.span.line - 1].expandtabs(1)
            width = 1
            if diag.span.end_line == diag.span.line and diag.span.end_col > diag.span.col:
                width = diag.span.end_col - diag.span.col
            out.append(f"    {text}")
            out.append("    " + " " * (diag.span.col - 1) + "^" * max(1, min(width, 60)))
    hint = diag.hint_text(lang)
    if hint:
        out.append(f"    {'petunjuk' if lang != 'en' else 'hint'}: {hint}")
    return "\n".join(out)
