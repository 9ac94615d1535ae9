"""Which engine evaluates a standard: the compiled query, or the interpreter as the fallback.

`auto` (the default of `check`) compiles and runs each standard with DuckDB; a standard that
cannot be compiled, or whose query fails, is evaluated by the interpreter and the reason is
kept, so that `check` says which standard fell back and why (never silently). `compiled`
refuses instead of falling back; `interpreter` never compiles.

Below `AUTO_MIN_SUBJECTS` subjects, `auto` lets the interpreter evaluate: planning and running
a compiled query has a fixed cost (about 0,3-1 s per standard on this 2-core machine) that is
larger than the interpreter's whole run on a small register (200-300 µs per subject); both
give the same verdicts (tests/test_compiled_differential.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb

from ...lang import ast as A
from ...lang.checker import RuleSet
from ...model import Register
from ..evaluate import evaluate
from ..period import Period
from ..verdict import Verdict
from .errors import NotCompilable
from .load import Tables
from .query import CompiledStandard, compile_standard
from .verdicts import run

AUTO_MIN_SUBJECTS = 5_000


@dataclass(frozen=True)
class Fallback:
    """A standard the interpreter evaluated instead of the compiled query, and why."""

    standard: str
    reason: NotCompilable


@dataclass
class Evaluation:
    """Evaluates the standards of one run with the chosen engine, sharing one DuckDB session."""

    rs: RuleSet
    register: Register
    engine: str = "auto"
    fallbacks: list[Fallback] = field(default_factory=list)
    compiled: list[str] = field(default_factory=list)
    _tables: Tables | None = None
    _wanted: dict[str, set[str]] = field(default_factory=dict)
    _planned: dict[str, CompiledStandard] = field(default_factory=dict)

    def _compiles(self, std: A.Standard) -> bool:
        small = len(self.register.of_kind(std.subject_kind or "")) < AUTO_MIN_SUBJECTS
        return not (self.engine == "interpreter" or (self.engine == "auto" and small))

    def plan(self, standards: list[tuple[A.Standard, Period]]) -> None:
        """The columns the compiled queries of the run will read, per kind: each kind is then
        loaded into DuckDB once, with only those (about half of the contract's fields)."""
        for std, period in standards:
            if self._compiles(std):
                try:
                    query = compile_standard(self.rs, std, period)
                except NotCompilable:
                    continue  # said when the standard is evaluated
                self._planned[std.id] = query
                for kind, cols in query.columns.items():
                    self._wanted.setdefault(kind, set()).update(cols)
                # the subjects' keys, which the tally reads from the query (`_scope_groups`)
                key = self.register.contract.kinds[std.subject_kind or ""].key if std.subject_kind else None
                if key:
                    self._wanted.setdefault(std.subject_kind or "", set()).add(key)

    def verdicts(self, std: A.Standard, period: Period) -> Sequence[Verdict]:
        """The standard's verdicts: the compiled path's are `CompiledVerdicts`, which tally
        without building a tree per subject."""
        if not self._compiles(std):
            return evaluate(self.rs, std, self.register, period)
        try:
            query = self._planned.pop(std.id, None)
            if query is None or query.period != period:
                query = compile_standard(self.rs, std, period)
            if self._tables is None:
                self._tables = Tables(self.register, wanted=self._wanted)
            out = run(query, self._tables)
        except NotCompilable as err:
            return self._fall_back(std, period, err)
        except duckdb.Error as err:
            return self._fall_back(std, period, NotCompilable(f"DuckDB: {str(err).splitlines()[0]}", std.id))
        self.compiled.append(std.id)
        return out

    def _fall_back(self, std: A.Standard, period: Period, err: NotCompilable) -> list[Verdict]:
        if self.engine == "compiled":
            raise err
        self.fallbacks.append(Fallback(std.id, err))
        return evaluate(self.rs, std, self.register, period)

    def close(self) -> None:
        if self._tables is not None:
            self._tables.close()
            self._tables = None
