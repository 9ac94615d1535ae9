"""A rule library: several rule sets side by side (one folder per regulation), the shared
declarations they `uses`, and which set is in force for a reporting period.

A folder is a rule set when one of its `.spm` files declares `ruleset`; the `.spm` files below
it belong to it. A folder of `.spm` files without a `ruleset` that some set `uses` is a shared
library, loaded with each set that uses it and never on its own. Anything else (a loose folder
of rule files, as in tests) is one anonymous set, as before rule sets had versions.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from ..limits import DEFAULT_LIMITS, Limits
from ..messages import BilingualError
from . import ast as A
from .astcache import parse_cached
from .errors import RuleError
from .loader import rule_files

_RULESET = re.compile(r"^\s*ruleset\s+\w+", re.MULTILINE)
_USES = re.compile(r'^\s*uses\s+"([^"\n]+)"', re.MULTILINE)


@dataclass(frozen=True)
class RuleSetInfo:
    """What a rule set says about itself, read from its `ruleset` declaration alone."""

    folder: Path
    name: str
    header: A.Header

    @property
    def provisional(self) -> bool:
        return self.header.status == "provisional"

    @property
    def start(self) -> dt.date:
        return self.header.effective_from or dt.date.min

    @property
    def end(self) -> dt.date:
        return self.header.effective_to or dt.date.max

    def in_force_on(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def names(self) -> set[str]:
        """How a user may name it: its declared name, its version, its folder."""
        return {self.name, self.header.version or self.name, self.folder.name}


@dataclass(frozen=True)
class Choice:
    """The rule set chosen for a check, and why: shown on stderr and in every report."""

    info: RuleSetInfo
    reason: str  # "option" (--rule-set), "in_force" (for the period), "only" (one set), "latest"
    also_in_force: tuple[RuleSetInfo, ...] = ()  # other sets in force during part of the period


class NoSuchRuleSet(BilingualError):
    def __init__(self, wanted: str, known: list[RuleSetInfo]):
        names = ", ".join(f"{i.name} ({i.folder.name})" for i in known) or "-"
        super().__init__(
            f"rule set tidak dikenal: {wanted} (ada: {names}); lihat 'spm-rules rule-sets'",
            f"unknown rule set: {wanted} (known: {names}); see 'spm-rules rule-sets'",
        )


def _declares_ruleset(path: Path) -> bool:
    try:
        return bool(_RULESET.search(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return False


def _used_by(decl_file: Path) -> list[Path]:
    try:
        text = decl_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [(decl_file.parent / m).resolve() for m in _USES.findall(text)]


def set_folders(paths: list[Path]) -> list[Path]:
    """The rule sets below the paths, each once, in a stable order; shared folders that a set
    `uses` are not sets of their own."""
    files = rule_files(paths)
    decl_files = [f for f in files if _declares_ruleset(f)]
    roots = sorted({f.parent.resolve() for f in decl_files})
    shared = {u for d in decl_files for u in _used_by(d)}
    out: list[Path] = []
    seen: set[Path] = set()
    for f in files:
        res = f.resolve()
        owner = next((r for r in sorted(roots, key=lambda r: -len(r.parts)) if r in res.parents), None)
        if owner is None and any(res == s or s in res.parents for s in shared):
            continue
        folder = f.parent if owner is None else _as_given(owner, f)
        if folder.resolve() not in seen:
            seen.add(folder.resolve())
            out.append(folder)
    return out


def _as_given(root: Path, file: Path) -> Path:
    """The set folder spelled relative to how the file was given (keeps messages short)."""
    depth = len(file.resolve().parent.parts) - len(root.parts)
    folder = file.parent
    for _ in range(depth):
        folder = folder.parent
    return folder


def discover(paths: list[Path], limits: Limits = DEFAULT_LIMITS) -> list[RuleSetInfo]:
    """The declared rule sets below the paths, oldest effective date first."""
    infos: list[RuleSetInfo] = []
    for folder in set_folders(paths):
        decl = _declaration(folder, limits)
        if decl is not None:
            infos.append(RuleSetInfo(folder, decl.name, decl.header))
    return sorted(infos, key=lambda i: (i.start, i.name))


def _declaration(folder: Path, limits: Limits) -> A.RuleSetDecl | None:
    for f in sorted(folder.glob("*.spm")):
        if not _declares_ruleset(f):
            continue
        try:
            rf = parse_cached(f.read_text(encoding="utf-8"), str(f), limits)
        except (RuleError, OSError, UnicodeDecodeError):
            return None
        for item in rf.items:
            if isinstance(item, A.RuleSetDecl):
                return item
    return None


def is_library(path: Path) -> bool:
    """A folder that holds more than one rule set (or one set below it, not at its top)."""
    if not path.is_dir():
        return False
    folders = set_folders([path])
    return any(f.resolve() != path.resolve() for f in folders) and not any(
        _declares_ruleset(f) for f in path.glob("*.spm")
    )


def choose(infos: list[RuleSetInfo], wanted: str | None, first: dt.date, last: dt.date) -> Choice:
    """`--rule-set` when given; else the set in force on the period's last day (the day its
    report is due: the LKIP 2024 counts the whole of 2024 under Permenkes 6/2024, signed in
    April); else, when none is in force then, the latest set that started before it."""
    if not infos:
        raise NoSuchRuleSet(wanted or "-", infos)
    overlapping = tuple(i for i in infos if i.start <= last and first <= i.end)
    if wanted:
        for info in infos:
            if wanted in info.names() or Path(wanted).resolve() == info.folder.resolve():
                return Choice(info, "option", tuple(i for i in overlapping if i is not info))
        raise NoSuchRuleSet(wanted, infos)
    if len(infos) == 1:
        return Choice(infos[0], "only", tuple(i for i in overlapping if i is not infos[0]))
    on_last = [i for i in infos if i.in_force_on(last)]
    final = [i for i in on_last if not i.provisional]
    pick = (final or on_last or [i for i in infos if i.start <= last] or infos[:1])[-1]
    reason = "in_force" if pick.in_force_on(last) else "latest"
    return Choice(pick, reason, tuple(i for i in overlapping if i is not pick))
