"""The compiled path: a checked standard as one SQL query, run by embedded DuckDB.

language (checked AST) -> compiler.py (expressions) + query.py (one query per standard)
-> load.py (register -> tables) -> verdicts.py (rows -> the interpreter's Verdict trees).
The interpreter (`engine/evaluate.py`) stays the reference and the explainer; what cannot be
compiled raises `NotCompilable` and the caller falls back to it, saying so.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .names import DIALECTS, ENGINES

if TYPE_CHECKING:
    from .dispatch import Evaluation, Fallback
    from .errors import NotCompilable
    from .load import Tables
    from .query import CompiledStandard, compile_standard, printable
    from .verdicts import run

# DuckDB and sqlglot load on first use (PEP 562), not when the CLI starts
_WHERE = {
    "Evaluation": "dispatch",
    "Fallback": "dispatch",
    "NotCompilable": "errors",
    "Tables": "load",
    "CompiledStandard": "query",
    "compile_standard": "query",
    "printable": "query",
    "run": "verdicts",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(name)


__all__ = [
    "DIALECTS",
    "ENGINES",
    "CompiledStandard",
    "Evaluation",
    "Fallback",
    "NotCompilable",
    "Tables",
    "compile_standard",
    "printable",
    "run",
]
