"""HMAC delivery links: round trip, expiry, forgery."""

import base64
from datetime import UTC, datetime, timedelta

import pytest

from bitloot.adapters.links.hmac_links import HmacDeliveryLinks, HmacOrderPageLinks
from bitloot.application.errors import InvalidDeliveryLink, InvalidOrderPageLink

SECRET = b"s" * 32
OTHER_SECRET = b"t" * 32
NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
ORDER_ID = "0196a3c2-7b1e-7c3a-9f00-1234567890ab"


def links(secret: bytes = SECRET) -> HmacDeliveryLinks:
    return HmacDeliveryLinks(secret, "https://shop.example/")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_issue_then_resolve_gives_the_order_id_back() -> None:
    link = links().issue(ORDER_ID, NOW)

    assert links().resolve(link.token, NOW) == ORDER_ID
    assert links().resolve(link.token, NOW + timedelta(minutes=14, seconds=59)) == ORDER_ID


def test_url_shape_and_expiry() -> None:
    link = links().issue(ORDER_ID, NOW)

    assert link.url == f"https://shop.example/d/{link.token}"
    assert link.expires_at == NOW + timedelta(minutes=15)
    payload, signature = link.token.split(".")
    expires_unix = int(link.expires_at.timestamp())
    assert base64.urlsafe_b64decode(payload + "==") == f"{ORDER_ID}|{expires_unix}".encode()
    assert "=" not in link.token
    assert len(signature) == 43  # 32 bytes, unpadded


def test_a_link_is_dead_at_exactly_fifteen_minutes_and_after() -> None:
    token = links().issue(ORDER_ID, NOW).token

    for later in (timedelta(minutes=15), timedelta(minutes=15, microseconds=1), timedelta(days=1)):
        with pytest.raises(InvalidDeliveryLink):
            links().resolve(token, NOW + later)


def test_the_ttl_is_configurable() -> None:
    signer = HmacDeliveryLinks(SECRET, "https://shop.example", ttl=timedelta(minutes=1))
    link = signer.issue(ORDER_ID, NOW)

    assert link.expires_at == NOW + timedelta(minutes=1)
    with pytest.raises(InvalidDeliveryLink):
        signer.resolve(link.token, NOW + timedelta(minutes=1))


def test_another_secret_refuses_the_token() -> None:
    token = links().issue(ORDER_ID, NOW).token

    with pytest.raises(InvalidDeliveryLink):
        links(OTHER_SECRET).resolve(token, NOW)


def test_an_altered_payload_is_refused() -> None:
    token = links().issue(ORDER_ID, NOW).token
    _, signature = token.split(".")
    later = int((NOW + timedelta(days=365)).timestamp())

    for payload in (f"{ORDER_ID}|{later}", f"another-order|{int(NOW.timestamp()) + 900}"):
        with pytest.raises(InvalidDeliveryLink):
            links().resolve(f"{b64(payload.encode())}.{signature}", NOW)


def test_every_altered_character_is_refused() -> None:
    token = links().issue(ORDER_ID, NOW).token

    for index, char in enumerate(token):
        if char == ".":
            continue
        replacement = "A" if char != "A" else "B"
        with pytest.raises(InvalidDeliveryLink):
            links().resolve(token[:index] + replacement + token[index + 1 :], NOW)


def test_a_signature_forged_with_another_secret_is_refused() -> None:
    forged = links(OTHER_SECRET).issue(ORDER_ID, NOW).token

    with pytest.raises(InvalidDeliveryLink):
        links().resolve(forged, NOW)


@pytest.mark.parametrize(
    "token",
    ["", ".", "abc", "abc.", ".abc", "a.b.c", "ab+c.def", "abc.de/f", "abc=.def", "é.é", "x" * 5000],
)
def test_malformed_tokens_are_refused_alike(token: str) -> None:
    with pytest.raises(InvalidDeliveryLink) as caught:
        links().resolve(token, NOW)

    assert str(caught.value) == InvalidDeliveryLink.message


def test_the_secret_must_be_at_least_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        HmacDeliveryLinks(b"s" * 31, "https://shop.example")


def test_repr_hides_the_secret() -> None:
    signer = links(b"supersecret-" * 4)

    assert "supersecret" not in repr(signer)
    assert "supersecret" not in str(signer)
    assert "https://shop.example" in repr(signer)


def test_an_order_page_link_lives_thirty_days_and_never_opens_as_a_delivery_link() -> None:
    pages = HmacOrderPageLinks(SECRET, "https://shop.example")
    link = pages.issue(ORDER_ID, NOW)

    assert link.url == f"https://shop.example/o/{link.token}"
    assert link.expires_at == NOW + timedelta(days=30)
    assert pages.resolve(link.token, NOW + timedelta(days=29, hours=23)) == ORDER_ID
    with pytest.raises(InvalidOrderPageLink, match="order link is not valid"):
        pages.resolve(link.token, NOW + timedelta(days=30))
    # Same secret, another kind of link: neither opens as the other.
    with pytest.raises(InvalidDeliveryLink):
        links().resolve(link.token, NOW)
    with pytest.raises(InvalidOrderPageLink):
        pages.resolve(links().issue(ORDER_ID, NOW).token, NOW)


def test_an_expired_link_still_names_its_order_and_a_forged_one_never() -> None:
    token = links().issue(ORDER_ID, NOW).token

    assert links().issued_for(token) == ORDER_ID
    with pytest.raises(InvalidDeliveryLink):
        links(OTHER_SECRET).issued_for(token)
    payload, signature = token.split(".")
    with pytest.raises(InvalidDeliveryLink):
        links().issued_for(f"{b64(b'other-order|1')}.{signature}")
    with pytest.raises(InvalidDeliveryLink):
        links().issued_for(payload)
