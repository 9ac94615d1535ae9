"""Parsed rule files kept in the user's cache, so that a command does not parse them again.

Parsing the bundled library takes longer than checking it (and importing Lark for it longer
still): `explain` of one subject would spend a third of its time there. A rule file's AST is
stored in `cache_root()/ast/` under the SHA-256 of everything the parse depends on — the file's
text and the name it is reported under (both in the AST), the grammar, the package version and
the nesting limit — so that a changed file, grammar or release never meets an old entry.

An entry is only a shortcut: one that cannot be read, does not unpickle, names another key or
holds something else than a `RuleFile` is ignored and written again from a fresh parse. A
file with a syntax error is never stored: its diagnostics come from the parser every time.
The folder keeps at most MAX_ENTRIES entries (rule sets edited, or tests' temporary copies, make
new ones): past that, the least recently used half goes (a hit touches its entry).
`SPM_RULES_NO_CACHE=1` turns the cache off (`resources.cache_enabled`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from ..limits import DEFAULT_LIMITS, Limits
from ..resources import cache_enabled, cache_root, grammar_text
from . import ast as A

_FORMAT = b"spm-rules ast cache 1"
MAX_ENTRIES = 1_000  # about 20 MB: the bundled library is 45 files


def cache_key(text: str, file: str, limits: Limits) -> str:
    """Everything a parse depends on, hashed."""
    from .. import __version__

    h = hashlib.sha256(_FORMAT)
    for part in (__version__, grammar_text(), file, str(limits.expression_depth), text):
        data = part.encode("utf-8", errors="surrogatepass")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def cache_folder() -> Path:
    return cache_root() / "ast"


def _load(path: Path, key: str) -> A.RuleFile | None:
    try:
        with path.open("rb") as fh:
            stored_key, rf = pickle.load(fh)
    except Exception:  # a missing, truncated or foreign file: parse instead
        return None
    if stored_key != key or not isinstance(rf, A.RuleFile):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: the last to be pruned
    return rf


def _store(path: Path, key: str, rf: A.RuleFile) -> None:
    """Written whole or not at all (a temporary file renamed), so that a command running at
    the same time never reads half an entry; a cache that cannot be written is no error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((key, rf), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, pickle.PicklingError, RecursionError):
        return
    _prune(path.parent)


def _prune(folder: Path) -> None:
    """Past MAX_ENTRIES entries, remove the least recently used until half are left."""
    try:
        entries = [e for e in os.scandir(folder) if e.name.endswith(".pickle")]
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda e: e.stat().st_mtime_ns)
        for entry in entries[: len(entries) - MAX_ENTRIES // 2]:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
    except OSError:
        pass


def parse_cached(text: str, file: str = "<teks>", limits: Limits = DEFAULT_LIMITS) -> A.RuleFile:
    """`parser.parse_text`, answered from the cache when the same text was parsed before."""
    if not cache_enabled():
        from .parser import parse_text

        return parse_text(text, file, limits)
    key = cache_key(text, file, limits)
    path = cache_folder() / f"{key}.pickle"
    rf = _load(path, key)
    if rf is None:
        from .parser import parse_text  # Lark is imported only when something is parsed

        rf = parse_text(text, file, limits)
        _store(path, key, rf)
    return rf
