"""Regenerate the built-in function table of docs/language.md from the catalogue.

Run: python scripts/language_doc.py
"""

from __future__ import annotations

from pathlib import Path

from spm_rules.lang.builtins import catalogue_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "language.md"
START, END = "<!-- builtins:start -->", "<!-- builtins:end -->"


def render() -> str:
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _old, tail = rest.split(END, 1)
    return f"{head}{START}\n{catalogue_markdown()}{END}{tail}"


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
