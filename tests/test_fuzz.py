"""Property: rule text, however broken, never makes the parser or checker crash."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spm_rules.lang.checker import check
from spm_rules.lang.errors import RuleError
from spm_rules.lang.parser import parse_text

RULES = Path(__file__).resolve().parents[1] / "rules" / "permenkes-43-2016"
CORPUS = [p.read_text(encoding="utf-8") for p in sorted(RULES.glob("*.spm"))]
SHARED = (RULES / "00_ruleset.spm").read_text(encoding="utf-8")
TOKENS = [
    "standard",
    "criterion",
    "group",
    "{",
    "}",
    "(",
    ")",
    "require",
    "when",
    "let",
    "=",
    "==",
    ">=",
    "and",
    "or",
    "not",
    "in",
    "between",
    "is",
    "missing",
    "count",
    "all",
    "any",
    "v",
    ".",
    ":",
    "where",
    '"x"',
    "1",
    "2018-01-01",
    "12%",
    "cite",
    "juknis",
    "line",
    "lines",
    "-",
    "subject",
    "kehamilan",
    "#",
    "\n",
    "penolong_anc",
]


def parse_and_check(text: str) -> None:
    try:
        rf = parse_text(text, "fuzz.spm")
    except RuleError as err:
        assert err.diagnostics and all(d.message and d.message_en for d in err.diagnostics)
        return
    check([rf])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_random_text_never_crashes(text):
    parse_and_check(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40))
def test_token_soup_never_crashes(tokens):
    parse_and_check(" ".join(tokens))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(range(len(CORPUS))),
    st.integers(min_value=0, max_value=20000),
    st.integers(min_value=0, max_value=40),
    st.text(max_size=12),
)
def test_mutated_real_rules_never_crash(which, at, cut, insert):
    src = CORPUS[which]
    at %= len(src) + 1
    mutated = src[:at] + insert + src[at + cut :]
    parse_and_check(mutated)
    # a mutated rule file checked together with the intact shared declarations
    try:
        files = [parse_text(mutated, "m.spm"), parse_text(SHARED, "00_ruleset.spm")]
    except RuleError:
        return
    check(files)
