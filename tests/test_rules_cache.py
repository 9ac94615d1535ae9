"""The cache of parsed rule files (lang/astcache.py): a hit answers without the parser, a
changed file is parsed again, a corrupt or foreign entry is ignored and rewritten, and what
comes out of it is what the parser gives (positions included)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from spm_rules.lang import astcache
from spm_rules.lang import parser as parser_module
from spm_rules.lang.errors import RuleError
from spm_rules.lang.library import discover
from spm_rules.lang.loader import load_rules, parse_files
from spm_rules.limits import DEFAULT_LIMITS
from spm_rules.resources import bundled_library
from tests.conftest import copy_rule_set


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SPM_RULES_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("SPM_RULES_NO_CACHE", raising=False)
    return tmp_path / "cache" / "ast"


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.pickle")) if cache.exists() else []


def _no_parser(monkeypatch) -> None:
    def refuse(*_args, **_kwargs):
        raise AssertionError("parsed although the cache holds the file")

    monkeypatch.setattr(parser_module, "parse_text", refuse)


def test_second_load_is_answered_from_the_cache(cache, tmp_path, monkeypatch):
    folder = copy_rule_set(tmp_path / "set")
    first = load_rules(folder)
    entries = _entries(cache)
    assert len(entries) == len(first.files)
    _no_parser(monkeypatch)
    second = load_rules(folder)
    assert second == first
    assert [f.source_text for f in second.files] == [f.source_text for f in first.files]
    assert [f.item_spans for f in second.files] == [f.item_spans for f in first.files]
    assert [f.comments for f in second.files] == [f.comments for f in first.files]


def test_the_library_is_discovered_from_the_cache(cache, monkeypatch):
    first = discover([bundled_library()])
    _no_parser(monkeypatch)
    assert discover([bundled_library()]) == first


def test_a_changed_rule_file_is_parsed_again(cache, tmp_path):
    folder = copy_rule_set(tmp_path / "set")
    load_rules(folder)
    before = set(_entries(cache))
    target = folder / "06_usia_produktif.spm"
    target.write_text(target.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    parsed, diags, _texts = parse_files([folder])
    assert not diags
    changed = next(rf for rf in parsed if rf.path.endswith("06_usia_produktif.spm"))
    assert changed.comments[-1].text == "# changed"
    assert len(set(_entries(cache)) - before) == 1


@pytest.mark.parametrize(
    "content",
    [
        b"",  # truncated to nothing
        b"not a pickle at all",
        pickle.dumps(("another key", None)),  # an entry for something else
        pickle.dumps({"a": 1}),  # not the stored shape
    ],
)
def test_a_corrupt_entry_is_ignored_and_rewritten(cache, tmp_path, content):
    folder = copy_rule_set(tmp_path / "set")
    good = load_rules(folder)
    for entry in _entries(cache):
        entry.write_bytes(content)
    assert load_rules(folder) == good
    for entry in _entries(cache):
        key, rf = pickle.loads(entry.read_bytes())
        assert key == entry.stem and rf in good.files


def test_an_entry_under_another_key_is_not_trusted(cache, tmp_path):
    """A file renamed into another's place (or a hash collision) is refused by the key inside."""
    folder = copy_rule_set(tmp_path / "set")
    good = load_rules(folder)
    entries = _entries(cache)
    payloads = [e.read_bytes() for e in entries]
    for entry, payload in zip(entries, payloads[1:] + payloads[:1], strict=True):
        entry.write_bytes(payload)
    assert load_rules(folder) == good


def test_errors_are_never_cached_and_keep_their_positions(cache, tmp_path):
    folder = copy_rule_set(tmp_path / "set")
    target = folder / "06_usia_produktif.spm"
    target.write_text(target.read_text(encoding="utf-8") + "\nstandard {\n", encoding="utf-8")
    reports = []
    for _ in range(2):
        with pytest.raises(RuleError) as err:
            load_rules(folder)
        reports.append([(d.code, d.file, d.span) for d in err.value.diagnostics])
    assert reports[0] == reports[1]
    assert any(file.endswith("06_usia_produktif.spm") and span.line > 1 for _c, file, span in reports[0])


def test_the_cache_can_be_turned_off(cache, tmp_path, monkeypatch):
    monkeypatch.setenv("SPM_RULES_NO_CACHE", "1")
    folder = copy_rule_set(tmp_path / "set")
    load_rules(folder)
    assert _entries(cache) == []


def test_the_key_covers_text_name_limit_and_grammar(monkeypatch):
    from spm_rules.limits import DEFAULT_LIMITS

    base = astcache.cache_key("standard x {}", "a.spm", DEFAULT_LIMITS)
    assert astcache.cache_key("standard y {}", "a.spm", DEFAULT_LIMITS) != base
    assert astcache.cache_key("standard x {}", "b.spm", DEFAULT_LIMITS) != base
    deeper = DEFAULT_LIMITS.with_pairs([f"expression_depth={DEFAULT_LIMITS.expression_depth + 1}"])
    assert astcache.cache_key("standard x {}", "a.spm", deeper) != base
    monkeypatch.setattr(astcache, "grammar_text", lambda: "another grammar")
    assert astcache.cache_key("standard x {}", "a.spm", DEFAULT_LIMITS) != base


def test_the_cache_keeps_the_most_recently_used_entries(cache, tmp_path, monkeypatch):
    monkeypatch.setattr(astcache, "MAX_ENTRIES", 6)
    folder = copy_rule_set(tmp_path / "set")
    rs = load_rules(folder)
    assert 0 < len(_entries(cache)) <= 6
    # what the last load used is what is kept
    assert {e.stem for e in _entries(cache)} <= {
        astcache.cache_key(f.source_text, f.path, DEFAULT_LIMITS) for f in rs.files
    }
