"""The reveal audit records the client as the rate limiter sees it (issue 9): behind a trusted
balancer, the customer's address, not the balancer's."""

from typing import Any

from litestar import Request

from bitloot.entrypoints.config.networks import parse_networks
from bitloot.entrypoints.http.client import client_info
from bitloot.entrypoints.http.client_address import ClientAddresses


def request_from(peer: str, forwarded_for: str | None = None) -> Request[Any, Any, Any]:
    headers = [(b"user-agent", b"Firefox")]
    if forwarded_for is not None:
        headers.append((b"x-forwarded-for", forwarded_for.encode()))
    scope: Any = {"type": "http", "client": (peer, 50000), "headers": headers}
    return Request(scope=scope)


def test_behind_a_trusted_balancer_the_audit_names_the_customer() -> None:
    addresses = ClientAddresses(parse_networks("10.0.0.0/8"))
    request = request_from("10.0.0.5", "192.0.2.99, 198.51.100.7")

    info = client_info(request, addresses)

    assert info.ip == "198.51.100.7" == addresses.of(request)
    assert info.user_agent == "Firefox"


def test_without_trusted_proxies_the_forwarded_header_is_ignored_in_the_audit_too() -> None:
    request = request_from("203.0.113.9", "198.51.100.7")

    assert client_info(request, ClientAddresses()).ip == "203.0.113.9"
