"""Who the client is for the per-client limits: the peer, unless the peer is a trusted proxy."""

import pytest

from bitloot.entrypoints.config.networks import parse_networks
from bitloot.entrypoints.http.client_address import ClientAddresses

BALANCER = ClientAddresses(parse_networks("10.0.0.0/8, 2001:db8::1"))


def test_without_trusted_proxies_the_header_counts_for_nothing() -> None:
    assert ClientAddresses().resolve("203.0.113.9", ["198.51.100.1"]) == "203.0.113.9"


def test_a_request_not_from_a_trusted_proxy_is_its_peer_whatever_it_claims() -> None:
    assert BALANCER.resolve("203.0.113.9", ["198.51.100.1"]) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_client_is_the_address_it_appended() -> None:
    assert BALANCER.resolve("10.1.2.3", ["198.51.100.1"]) == "198.51.100.1"


def test_a_client_cannot_choose_its_address_by_sending_the_header_itself() -> None:
    # The client sent "X-Forwarded-For: 192.0.2.77"; the balancer appended the peer it saw.
    assert BALANCER.resolve("10.1.2.3", ["192.0.2.77, 198.51.100.1"]) == "198.51.100.1"


def test_chained_trusted_proxies_are_skipped_right_to_left_across_headers() -> None:
    forwarded = ["192.0.2.77, 198.51.100.1", "10.9.9.9", "2001:db8::1"]
    assert BALANCER.resolve("10.1.2.3", forwarded) == "198.51.100.1"


def test_a_request_from_a_proxy_without_the_header_is_the_proxy() -> None:
    assert BALANCER.resolve("10.1.2.3", []) == "10.1.2.3"


def test_garbage_in_the_header_is_an_untrusted_hop() -> None:
    assert BALANCER.resolve("10.1.2.3", ["not-an-address"]) == "not-an-address"


def test_networks_are_parsed_and_a_bad_entry_is_named() -> None:
    assert [str(n) for n in parse_networks(" 10.0.0.0/8 ,192.0.2.7,, ::1 ")] == [
        "10.0.0.0/8",
        "192.0.2.7/32",
        "::1/128",
    ]
    assert parse_networks(None) == ()
    with pytest.raises(ValueError, match="'nope'"):
        parse_networks("10.0.0.0/8, nope")
