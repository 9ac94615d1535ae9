"""spm-rules: check Indonesia's SPM Bidang Kesehatan against patient-level records.

Public API: `parse`, `check`, `load_rules`, `evaluate`, `Verdict`, `Diagnostic`, `run_check`.
"""

from .api import run_check
from .engine.evaluate import evaluate
from .engine.verdict import Status, Verdict
from .lang.checker import RuleSet
from .lang.checker import check as check
from .lang.errors import Diagnostic, RuleError
from .lang.loader import load_rules
from .lang.parser import parse_text as parse

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
