"""Parser and checker: valid rule files, and invalid ones with their exact messages (golden)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spm_rules.lang import ast as A
from spm_rules.lang.checker import check
from spm_rules.lang.errors import RuleError, format_diagnostic
from spm_rules.lang.parser import parse_text
from spm_rules.lang.printer import to_source

GOLDEN = Path(__file__).parent / "golden" / "errors"
UPDATE = os.environ.get("SPM_UPDATE_GOLDEN") == "1"


def diagnostics_text(path: Path, lang: str) -> str:
    text = path.read_text(encoding="utf-8")
    name = f"golden/{path.name}"
    try:
        rf = parse_text(text, name)
    except RuleError as err:
        diags = err.diagnostics
    else:
        _rs, diags = check([rf])
    return "\n".join(format_diagnostic(d, text, lang) for d in diags) + "\n"


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.spm")), ids=lambda p: p.stem)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_error_messages_are_golden(path: Path, lang: str):
    expected_file = path.with_suffix(f".{lang}.txt")
    actual = diagnostics_text(path, lang)
    if UPDATE or not expected_file.exists():
        expected_file.write_text(actual, encoding="utf-8")
    assert actual == expected_file.read_text(encoding="utf-8")


def test_semantic_errors_are_all_reported_in_one_run():
    text = (GOLDEN / "semantic.spm").read_text(encoding="utf-8")
    _rs, diags = check([parse_text(text, "semantic.spm")])
    codes = sorted(d.code for d in diags)
    # unknown field (with a hint), unknown name, duplicate id, missing citation,
    # type mismatch twice, unknown source
    assert codes == ["E102", "E103", "E121", "E140", "E141", "E142", "E142"]
    field = next(d for d in diags if d.code == "E141")
    assert "berat_badan" in field.hint
    assert (field.span.line, field.span.col) == (16, 34)


def test_bundled_rules_parse_to_immutable_nodes_with_positions(ruleset):
    std = ruleset.standard("ibu_hamil")
    assert std.span.line > 1 and std.file.endswith("ibu_hamil.spm")
    crit = next(c for c in A.iter_criteria(std.criteria) if c.id == "t7")
    assert crit.citations[0].line_from == 250
    with pytest.raises(AttributeError):
        crit.id = "x"  # frozen
    ids = [c.id for c in A.iter_criteria(std.criteria)]
    assert len(ids) == len(set(ids)) == 18


def test_every_criterion_of_the_bundled_rules_has_a_citation(ruleset):
    for std in ruleset.standards.values():
        for crit in A.iter_criteria(std.criteria):
            assert crit.citations, crit.id


@pytest.mark.parametrize(
    "src",
    [
        "a + b * c",
        "(a + b) * c",
        "a - (b - c)",
        "not (a and b) or c",
        "count(v in x where v.y in s and v.t between 1 and 2)",
        "if a > b then first(v in xs).y else -2",
        "sum(v in xs : v.n) >= 90",
        'x.y is not missing and z in {"a", "b"}',
    ],
)
def test_printer_round_trips_expressions(src):
    expr = parse_text(f"define d = {src}").items[0].body
    printed = to_source(expr)
    again = parse_text(f"define d = {printed}").items[0].body
    assert to_source(again) == printed
    assert _strip(again) == _strip(expr)


def _strip(node):
    """An AST with spans removed, to compare meaning rather than positions."""
    if isinstance(node, tuple):
        return tuple(_strip(n) for n in node)
    if hasattr(node, "__dataclass_fields__"):
        return tuple((f, _strip(getattr(node, f))) for f in node.__dataclass_fields__ if f != "span")
    return node
