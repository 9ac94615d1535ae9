"""`json_text`: the report's JSON with each list of texts on one line is the same data as the
indented text, whatever the texts hold (a NUL, a text that looks like the mark of a list)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from spm_rules.report.render_json import _text_list, json_text

TEXTS = st.one_of(
    st.text(max_size=6), st.sampled_from(["\x000\x00", "\x001\x00", '"\\u00000\\u0000"', "\x00"])
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False), TEXTS)
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.lists(TEXTS, max_size=4), st.dictionaries(TEXTS, inner, max_size=4)
    ),
    max_leaves=20,
)


@given(DOCS)
def test_the_same_data_as_the_indented_text(doc):
    assert json.loads(json_text(doc)) == json.loads(json.dumps(doc, ensure_ascii=False, indent=2))


def test_a_list_of_texts_on_one_line_the_rest_indented():
    doc = {"facility": "Puskesmas 01", "subjects_counted": ["3275010202610001", "KH-1"], "failing": {"t1": 2}}
    assert json_text(doc) == (
        "{\n"
        '  "facility": "Puskesmas 01",\n'
        '  "subjects_counted": ["3275010202610001", "KH-1"],\n'
        '  "failing": {\n'
        '    "t1": 2\n'
        "  }\n"
        "}"
    )


def test_a_text_like_a_mark_leaves_every_list_indented():
    doc = {"a": ["x", "y"], "b": "\x000\x00"}
    assert json_text(doc) == json.dumps(doc, ensure_ascii=False, indent=2)


ODD_TEXTS = st.sampled_from(['"', "\\", "\x1f", "\x7f", "é", "\u2028"])


@given(st.lists(st.one_of(st.text(max_size=8), ODD_TEXTS), min_size=1))
def test_a_list_of_texts_is_written_as_the_encoder_writes_it(texts):
    # joined as they are when none needs escaping, encoded otherwise: the same text either way
    assert _text_list(texts) == json.dumps(texts, ensure_ascii=False)


def test_the_end_closes_the_text_once():
    doc = {"keys": ["3275010202610001", 'a "b"'], "n": 1}
    assert (
        json_text(doc, end="\n")
        == json.dumps(doc, ensure_ascii=False, indent=2).replace(
            '[\n    "3275010202610001",\n    "a \\"b\\""\n  ]', '["3275010202610001", "a \\"b\\""]'
        )
        + "\n"
    )


def test_a_tuple_of_texts_is_written_as_a_list():
    # the document's own tuple is written, not a copy of it as a list
    assert json_text({"a": ("x", 'y"')}) == '{\n  "a": ["x", "y\\""]\n}'
