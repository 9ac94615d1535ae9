"""The compiled path: a checked standard as one SQL query, run by embedded DuckDB.

language (checked AST) -> compiler.py (expressions) + query.py (one query per standard)
-> load.py (register -> tables) -> verdicts.py (rows -> the interpreter's Verdict trees).
The interpreter (`engine/evaluate.py`) stays the reference and the explainer; what cannot be
compiled raises `NotCompilable` and the caller falls back to it, saying so.
"""

from .dispatch import ENGINES, Evaluation, Fallback
from .errors import NotCompilable
from .load import Tables
from .query import DIALECTS, CompiledStandard, compile_standard, printable
from .verdicts import run

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
