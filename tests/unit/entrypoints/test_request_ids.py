"""Which `X-Request-ID` a request's lines carry: a trusted proxy's sane one, else a new one."""

import re

import pytest

from bitloot.entrypoints.logs.request_ids import MAX_LENGTH, is_sane, new_request_id, request_id_for


def test_a_sane_id_from_a_trusted_proxy_is_kept() -> None:
    assert request_id_for("lb-7f3a.91_x", from_trusted_proxy=True) == "lb-7f3a.91_x"
    assert request_id_for("a" * MAX_LENGTH, from_trusted_proxy=True) == "a" * MAX_LENGTH


def test_an_id_from_anyone_else_is_replaced() -> None:
    assert request_id_for("lb-7f3a", from_trusted_proxy=False) != "lb-7f3a"


@pytest.mark.parametrize(
    "offered",
    [
        None,
        "",
        "a" * (MAX_LENGTH + 1),
        "has space",
        "semi;colon",
        "new\nline",
        'quote"d',
        "../../etc",  # slashes are not in the set
        "ünicode",
        "<script>",
        "Root=1-67891233-abcdef012345678912345678",
    ],
)
def test_an_insane_id_is_replaced_even_from_a_trusted_proxy(offered: str | None) -> None:
    chosen = request_id_for(offered, from_trusted_proxy=True)
    assert chosen != offered
    assert is_sane(chosen)


def test_new_ids_are_32_hex_digits_and_differ() -> None:
    ids = {new_request_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(re.fullmatch(r"[0-9a-f]{32}", each) for each in ids)
