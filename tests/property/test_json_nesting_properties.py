"""The nesting scan every request body passes (issue 9): it finds the depth a JSON parser would reach,
without parsing, and the cap refuses exactly what nests deeper than the limit.

The scan is built from bytes methods for speed (escapes removed by `replace`, strings by a regex); the
reference here reads one byte at a time as a parser's string rules do. On any text the two agree up to
where a parser would stop (a backslash outside a string is not JSON); on valid JSON they agree
everywhere and equal the structure's own depth."""

import json

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bitloot.adapters.json_nesting import MAX_DEPTH, NestedTooDeeply, check_nesting, nesting_depth

# Strings full of what could fool a scan: brackets, quotes, backslashes.
tricky_text = st.text(alphabet='[]{}"\\/ab\n\u00e9\U0001f3ae', max_size=12)
json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False), tricky_text
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(tricky_text, children, max_size=4)
    ),
    max_leaves=40,
)
# Raw texts over the bytes that matter to the scan, valid JSON or not.
raw_texts = st.lists(
    st.sampled_from([b"[", b"]", b"{", b"}", b'"', b"\\", b"a", b",", b"\\\\", b'\\"']), max_size=200
).map(b"".join)


def structure_depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((structure_depth(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((structure_depth(item) for item in value.values()), default=0)
    return 0


def reference_depth(text: bytes) -> tuple[int, bool]:
    """The deepest running level, one byte at a time, up to the first backslash outside a string (where
    every parser stops); and whether the text held such a backslash."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in text:
        if in_string:
            if escaped:
                escaped = False
            elif byte == ord("\\"):
                escaped = True
            elif byte == ord('"'):
                in_string = False
        elif byte == ord("\\"):
            return deepest, True
        elif byte == ord('"'):
            in_string = True
        elif byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif byte in b"]}":
            depth -= 1
    return deepest, False


@given(json_values, st.booleans(), st.sampled_from([None, 1]))
def test_the_depth_of_valid_json_is_its_structures_depth(
    value: object, ascii_only: bool, indent: int | None
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only, indent=indent).encode("utf-8", "surrogatepass")

    assert nesting_depth(text) == structure_depth(value)
    assert nesting_depth(msgspec.json.encode(value)) == structure_depth(value)


@given(raw_texts)
def test_the_scan_never_counts_fewer_levels_than_a_parser_reaches(text: bytes) -> None:
    reached, stopped = reference_depth(text)

    if stopped:
        assert nesting_depth(text) >= reached
    else:
        assert nesting_depth(text) == reached


@given(raw_texts, st.integers(min_value=0, max_value=12))
def test_the_cap_refuses_exactly_what_nests_deeper_than_the_limit(text: bytes, limit: int) -> None:
    if nesting_depth(text) > limit:
        with pytest.raises(NestedTooDeeply):
            check_nesting(text, limit)
    else:
        check_nesting(text, limit)


@given(st.integers(min_value=1, max_value=3 * MAX_DEPTH), st.integers(min_value=0, max_value=9000))
def test_depth_is_found_across_chunks(depth: int, padding: int) -> None:
    """The scan reads brackets a chunk at a time: depth carries over from one chunk to the next."""
    text = b"[" + b"[]," * padding + b"[" * (depth - 1) + b"]" * (depth - 1) + b"]"

    assert nesting_depth(text) == max(depth, 2 if padding else 1)
    if depth > MAX_DEPTH:
        with pytest.raises(NestedTooDeeply):
            check_nesting(text)
    else:
        check_nesting(text)
