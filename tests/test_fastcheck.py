"""The compiled check gives the same verdict as jsonschema, the reference, on any document."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from spm_rules.registers.contract import load_contract
from spm_rules.registers.fastcheck import compile_schema

CONTRACT = load_contract()
KINDS = sorted(CONTRACT.kinds)


def values_for(spec: dict):
    options = [
        st.none(),
        st.integers(-1000, 100000),
        st.floats(-1e6, 1e6, allow_nan=False),
        st.text(max_size=20),
        st.booleans(),
        st.dates().map(lambda d: d.isoformat()),
        st.sampled_from(["2018-02-30", "2018-1-1", "6/6", "3216015203900001", "12"]),
    ]
    if "enum" in spec:
        options.append(st.sampled_from([e for e in spec["enum"] if e is not None] or [""]))
    if "maxLength" in spec:
        options.append(st.text(min_size=spec["maxLength"] - 1, max_size=spec["maxLength"] + 1))
    return st.one_of(options)


@st.composite
def documents(draw):
    name = draw(st.sampled_from(KINDS))
    kind = CONTRACT.kinds[name]
    props = kind.schema["properties"]
    doc = {}
    for field, spec in props.items():
        if draw(st.integers(0, 3)) > 0:
            doc[field] = draw(values_for(spec))
    return kind, doc


@settings(max_examples=1500, deadline=None)
@given(documents())
def test_fast_check_agrees_with_jsonschema(kind_doc):
    kind, doc = kind_doc
    reference = not any(kind.validator.iter_errors(doc))
    assert kind.fast is not None
    assert kind.fast(doc) == reference


def test_a_schema_outside_the_subset_gets_no_fast_check():
    assert compile_schema({"type": "object", "properties": {"x": {"oneOf": []}}}) is None
    assert compile_schema({"type": "object", "additionalProperties": False}) is None


def _texts_for(spec: dict):
    options = [
        st.text(max_size=20),
        st.dates().map(lambda d: d.isoformat()),
        st.sampled_from(["2018-02-30", "2018-1-1", "6/6", "3216015203900001", "321601520390000", "12"]),
        st.from_regex(r"[0-9]{16}", fullmatch=True),
    ]
    if "enum" in spec:
        options.append(st.sampled_from([e for e in spec["enum"] if isinstance(e, str)] or [""]))
    return st.lists(st.one_of(options), max_size=30)


@st.composite
def property_texts(draw):
    name = draw(st.sampled_from(KINDS))
    kind = CONTRACT.kinds[name]
    props = kind.schema["properties"]
    field = draw(st.sampled_from(sorted(props)))
    return kind, field, draw(_texts_for(props[field]))


@settings(max_examples=1500, deadline=None)
@given(property_texts())
def test_texts_are_judged_at_once_as_one_by_one(kind_field_texts):
    """`texts_ok` (a column's distinct texts at once) keeps exactly the texts `property_ok`
    passes, in their order."""
    kind, field, texts = kind_field_texts
    assert kind.fast is not None
    assert kind.fast.texts_ok(field, texts) == [t for t in texts if kind.fast.property_ok(field, t)]


@given(st.lists(st.sampled_from(["a", "b", "1", "", "2018-01-01", "2018-13-01", "abcd"]), max_size=10))
def test_texts_are_judged_at_once_for_every_kind_of_test(texts):
    schema = {
        "type": "object",
        "properties": {
            "e": {"type": ["string", "null"], "enum": ["a", 1, None]},
            "n": {"type": "integer", "minimum": 0},
            "p": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 3},
            "d": {"type": "string", "format": "date"},
            "free": {"type": "string"},
        },
    }
    fast = compile_schema(schema)
    assert fast is not None
    for field in ("e", "n", "p", "d", "free", "not-a-property"):
        assert fast.texts_ok(field, texts) == [t for t in texts if fast.property_ok(field, t)]


SURE_TEXTS = st.text(alphabet=st.sampled_from("0123456789/:٣１ \t\n\u00a0\u3000\x85\x1cxé"), max_size=20)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(SURE_TEXTS, max_size=30), st.sampled_from(["1234567890123456", "12/34", "2018/2019", "23:59"])
)
def test_a_text_duckdb_is_sure_of_passes_in_python(texts, good):
    """`FastCheck.sure`: a text DuckDB's full match accepts is, in Python, its own value once
    stripped and passes its property's tests (so the DuckDB reader need not fetch it) — for
    every property of every kind that has such a pattern; Unicode digits, spaces and a line end
    are never accepted."""
    import duckdb

    from spm_rules.registers.duckcsv import sure_sql

    con = duckdb.connect()
    texts = [*texts, good, good + "\n", " " + good, good.replace("1", "١"), "Ibu A", "x" * 500, "x" * 501]
    sure = [(kind, name) for kind in CONTRACT.kinds.values() for name in kind.fast.sure]
    assert {name for _kind, name in sure} >= {"nik", "nama"}
    accepted_by: dict[str, list[str]] = {}  # one query per distinct condition
    for kind, name in sure:
        test = sure_sql(kind.fast, name, "t")
        if test not in accepted_by:
            [(found,)] = con.execute(
                f"SELECT list(t ORDER BY t) FILTER (WHERE {test}) FROM unnest(?::VARCHAR[]) u(t)", [texts]
            ).fetchall()
            accepted_by[test] = found or []
        accepted = accepted_by[test]
        for text in accepted or []:
            assert text.strip() == text != "" and kind.fast.texts_ok(name, [text]) == [text], (name, text)


def test_the_space_duckdb_is_sure_of_is_pythons():
    """A free text's sure pattern (`_sure_text`) keeps off its ends exactly the characters
    Python's `str.strip()` removes: its class matches, in DuckDB, every code point
    `str.isspace` calls a space and no other."""
    import duckdb

    from spm_rules.registers.fastcheck import _SPACE, _sure_text

    chars = [chr(c) for c in range(1, 0x110000) if not 0xD800 <= c < 0xE000]
    [(found,)] = (
        duckdb.connect()
        .execute(
            "SELECT list(t) FILTER (WHERE regexp_full_match(t, ?)) FROM unnest(?::VARCHAR[]) u(t)",
            [_SPACE, chars],
        )
        .fetchall()
    )
    assert sorted(found) == [c for c in chars if c.isspace()]
    assert _sure_text(1) is not None and _sure_text(0) is None
