"""Per-facility counts of one standard: what aggregation and the denominators read.

A report needs, per facility, how many subjects are in the population, how many are counted,
which criteria the others failed (Keterangan) and their keys; a city has millions of
subject-standard pairs, so these counts are kept apart from the `Verdict` trees. The
interpreter's verdicts are tallied here (`tally_verdicts`); the compiled path tallies its
query's columns without building a tree per subject (`compiled/verdicts.py`), deciding the
counted flag and failed criteria once per distinct code string. Both give the same `Tally`
(tests/test_compiled_tally.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from .keys import Keys
from .verdict import UNKNOWN_FACILITY, NodeResult, Status, Verdict


@dataclass
class FacilityTally:
    """One facility's subjects in the population, in the register's order of the subjects."""

    facility: str
    subjects: int = 0
    counted: int = 0
    # per failed gating criterion, the subjects not counted that failed it (each once)
    failing: Counter[str] = field(default_factory=Counter)
    # per failed informative criterion, the subjects that failed it (counted or not)
    informative: Counter[str] = field(default_factory=Counter)
    counted_keys: Keys = field(default_factory=Keys)
    not_counted_keys: Keys = field(default_factory=Keys)

    def add(self, key: str, outcome: Outcome) -> None:
        """One subject in the population, with the outcome of its criteria."""
        self.subjects += 1
        if outcome.counted:
            self.counted += 1
            self.counted_keys.append(key)
        else:
            self.not_counted_keys.append(key)
            self.failing.update(outcome.failing)
        if outcome.informative:
            self.informative.update(outcome.informative)


@dataclass
class Tally:
    """The counts of one standard: per facility (in the order first met) and out of scope."""

    facilities: dict[str, FacilityTally] = field(default_factory=dict)
    out_of_period: int = 0
    out_of_population: int = 0

    def facility(self, name: str) -> FacilityTally:
        """The facility's tally, made when first met (a subject without one is `UNKNOWN_FACILITY`)."""
        found = self.facilities.get(name)
        if found is None:
            found = self.facilities[name] = FacilityTally(name)
        return found

    def subjects(self) -> dict[str, int]:
        """Subjects in the population per facility (the denominators' `counted`)."""
        return {name: t.subjects for name, t in self.facilities.items()}

    def add(self, facility: str | None, key: str, outcome: Outcome) -> None:
        """One subject in the population, with the outcome of its criteria."""
        self.facility(facility or UNKNOWN_FACILITY).add(key, outcome)


def failed_ids(nodes: tuple[NodeResult, ...], informative: bool = False) -> list[str]:
    """Ids of the criteria that were not met (the group's id if no child says why)."""
    out: list[str] = []
    for node in nodes:
        if node.status != Status.NOT_MET or node.informative != informative:
            if node.is_group and node.status == Status.NOT_MET:
                out.extend(failed_ids(node.children, informative))
            continue
        if node.is_group:
            inner = failed_ids(node.children, informative)
            out.extend(inner or [node.id])
        else:
            out.append(node.id)
    return out


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a report keeps of one subject's criteria: counted, and the failed criteria (each
    id once, gating and informative apart). Subjects with the same codes share one."""

    counted: bool
    failing: tuple[str, ...]
    informative: tuple[str, ...]

    @classmethod
    def of(cls, criteria: tuple[NodeResult, ...], counted: bool) -> Outcome:
        return cls(
            counted,
            tuple(dict.fromkeys(failed_ids(criteria))),
            tuple(dict.fromkeys(failed_ids(criteria, informative=True))),
        )


@runtime_checkable
class Tallied(Protocol):
    """Verdicts that know their own tally (the compiled path's, tallied from the query rows)."""

    def tally(self) -> Tally: ...


def tally_verdicts(verdicts: Iterable[Verdict]) -> Tally:
    """The tally of a standard's verdicts, in their order."""
    if isinstance(verdicts, Tallied):
        return verdicts.tally()
    out = Tally()
    # the outcome of each criteria tuple, found once: trees may be shared among subjects
    # (keyed by identity, the tuple kept alive beside its outcome)
    outcomes: dict[tuple[int, bool], tuple[tuple[NodeResult, ...], Outcome]] = {}
    for v in verdicts:
        if not v.in_period:
            out.out_of_period += 1
            continue
        if not v.in_population:
            out.out_of_population += 1
            continue
        mark = (id(v.criteria), v.counted)
        found = outcomes.get(mark)
        if found is None or found[0] is not v.criteria:
            found = outcomes[mark] = (v.criteria, Outcome.of(v.criteria, v.counted))
        out.add(v.facility, v.subject, found[1])
    return out
