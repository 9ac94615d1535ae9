"""Where the grammar, the bundled rule library and the bundled sample registers are.

An installed wheel carries them under `spm_rules/_data/`; a source checkout (editable install,
tests run from the tree) has them at the top of the repository. The packaged copy wins.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

_PACKAGE_DATA = Path(__file__).resolve().parent / "_data"
_SOURCE_TREE = Path(__file__).resolve().parents[2]


def _find(relative: str) -> Path:
    for base in (_PACKAGE_DATA, _SOURCE_TREE):
        candidate = base / relative
        if candidate.exists():
            return candidate
    raise FileNotFoundError(
        f"{relative} is neither in the installed package nor in the source tree; reinstall spm-rules"
    )


@cache
def grammar_text() -> str:
    return _find("grammar/spm.lark").read_text(encoding="utf-8")


def bundled_library() -> Path:
    """The bundled rule library: one folder per regulation, and the declarations they share.
    `check` takes from it the set in force for the period."""
    return _find("rules")


def bundled_rules() -> Path:
    """The Permenkes 43/2016 set, which the bundled sample and the worked examples are for."""
    return _find("rules/permenkes-43-2016")


def bundled_sample() -> Path:
    return _find("reports_in/sample")


def cache_root() -> Path:
    """This user's cache folder for spm-rules (`SPM_RULES_CACHE`, else the XDG cache): the
    generated worked examples and the parser tables. Never shared between users."""
    base = os.environ.get("SPM_RULES_CACHE") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return (root / "spm-rules") if not os.environ.get("SPM_RULES_CACHE") else root


def cache_enabled() -> bool:
    """False when `SPM_RULES_NO_CACHE` is set (to anything but 0 or empty): parsed rule files
    are then neither read from nor written to the cache (docs/performance.md)."""
    return os.environ.get("SPM_RULES_NO_CACHE", "") in ("", "0")
