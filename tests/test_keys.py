"""The subjects' keys of a facility (`engine/keys.py`): joined by DuckDB into one text, they
are the same keys as the list the interpreter appends to, and the JSON report writes them
exactly as `json.dumps` writes that list."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from spm_rules.engine.keys import SEP, Keys, json_text_list
from spm_rules.report.render_json import json_text

TEXTS = st.lists(st.text(max_size=8), max_size=12)
PLAIN = st.lists(
    st.text(st.characters(blacklist_characters='"\\', min_codepoint=32), max_size=8), max_size=12
)


def _joined(keys: list[str]) -> Keys | None:
    return Keys.joined(SEP.join(keys) if keys else None, len(keys))


@given(PLAIN)
def test_keys_without_a_quote_joined_are_the_keys(keys):
    found = _joined(keys)
    assert found is not None
    assert found == keys and list(found) == keys and len(found) == len(keys)
    assert found.json_list() == json.dumps(keys, ensure_ascii=False)


@given(TEXTS)
def test_joined_keys_are_the_keys_or_refused(keys):
    """A key holding a double quote may hide a separator ('a", ' then 'b' joins into a text
    whose first separator is in the first key): such keys are not taken as joined."""
    found = _joined(keys)
    if found is None:
        assert any('"' in k for k in keys)
    else:
        assert list(found) == keys


def test_a_separator_inside_a_key_is_refused():
    keys = ['a", ', "b"]
    assert SEP.join(keys).count(SEP) == len(keys) - 1  # counting separators would not tell
    assert _joined(keys) is None
    assert Keys.joined(None, 0) == [] and Keys.joined("", 1) == [""]
    assert Keys.joined("x", 0) is None and Keys.joined(None, 2) is None


@given(st.lists(st.tuples(st.sampled_from(["append", "extend", "joined"]), PLAIN), max_size=6))
def test_keys_made_in_parts_are_the_list_made_alike(steps):
    keys, expected = Keys(), []
    for how, part in steps:
        if how == "append":
            for k in part:
                keys.append(k)
        elif how == "extend":
            keys.extend(part)
        else:
            joined = _joined(part)
            assert joined is not None
            keys += joined
        expected += part
    assert keys == expected and list(keys) == expected and len(keys) == len(expected)
    assert [keys[i] for i in range(len(keys))] == expected and keys[1:3] == expected[1:3]
    total = Keys(keys)
    total.extend(keys)
    assert total == expected + expected and keys == expected  # (the parts shared, not changed)
    assert keys.json_list() == json.dumps(expected, ensure_ascii=False)


@given(TEXTS)
def test_a_list_of_texts_is_written_as_json_dumps_writes_it(texts):
    found = json_text_list(texts)
    assert found is None or found == json.dumps(texts, ensure_ascii=False)
    if not any(c in t for t in texts for c in '"\\') and all(c >= " " for t in texts for c in t):
        assert found is not None
    assert json_text_list(Keys(texts)) in (None, json.dumps(texts, ensure_ascii=False))


@given(TEXTS, TEXTS)
def test_a_report_document_with_keys_is_the_json_of_its_lists(counted, other):
    """`json_text` writes `Keys` as one-line lists, escaped where they must be (a key with a
    quote, a backslash or a control character), and the document reads back as the lists."""
    doc = {"total": {"subjects_counted": Keys(counted), "subjects_not_counted": Keys(other), "n": 1}}
    text = json_text(doc)
    assert json.loads(text) == {"total": {"subjects_counted": counted, "subjects_not_counted": other, "n": 1}}
    for keys in (counted, other):
        if keys:
            assert json.dumps(keys, ensure_ascii=False) in text
