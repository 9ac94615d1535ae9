"""spm-rules: check Indonesia's SPM Bidang Kesehatan against patient-level records.

Public API: `parse`, `check`, `load_rules`, `evaluate`, `Verdict`, `Diagnostic`, `run_check`.
Each name is imported when first used: the command line (`python -m spm_rules explain`)
imports only what its command needs, not the whole library.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import run_check
    from .engine.evaluate import evaluate
    from .engine.verdict import Status, Verdict
    from .lang.checker import RuleSet
    from .lang.checker import check as check
    from .lang.errors import Diagnostic, RuleError
    from .lang.loader import load_rules
    from .lang.parser import parse_text as parse

# public name -> (module, attribute)
_EXPORTS = {
    "Diagnostic": (".lang.errors", "Diagnostic"),
    "RuleError": (".lang.errors", "RuleError"),
    "RuleSet": (".lang.checker", "RuleSet"),
    "Status": (".engine.verdict", "Status"),
    "Verdict": (".engine.verdict", "Verdict"),
    "check": (".lang.checker", "check"),
    "evaluate": (".engine.evaluate", "evaluate"),
    "load_rules": (".lang.loader", "load_rules"),
    "parse": (".lang.parser", "parse_text"),
    "run_check": (".api", "run_check"),
}

__all__ = [
    "Diagnostic",
    "RuleError",
    "RuleSet",
    "Status",
    "Verdict",
    "check",
    "evaluate",
    "load_rules",
    "parse",
    "run_check",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    value = getattr(import_module(module, __name__), attribute)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
