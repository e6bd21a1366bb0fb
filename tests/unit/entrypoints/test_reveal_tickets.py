"""The keys page's one-time tickets (entrypoints/http/reveal_tickets.py): bound to one link and one
reveal count, two minutes long, and not to be forged."""

from datetime import UTC, datetime, timedelta

import pytest

from bitloot.entrypoints.http.reveal_tickets import TICKET_LIFETIME, RevealTicket, RevealTickets

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TOKEN = "link-token-of-order-one"


@pytest.fixture
def tickets() -> RevealTickets:
    return RevealTickets(b"k" * 32)


def test_a_ticket_names_the_count_it_was_issued_at_for_two_minutes(tickets: RevealTickets) -> None:
    ticket = tickets.issue(TOKEN, 3, NOW)

    assert timedelta(minutes=2) == TICKET_LIFETIME
    assert tickets.check(TOKEN, ticket, NOW) == RevealTicket(3)
    assert tickets.check(TOKEN, ticket, NOW + timedelta(seconds=119)) == RevealTicket(3)
    assert tickets.check(TOKEN, ticket, NOW + timedelta(seconds=120)) is None


def test_a_ticket_of_another_link_another_key_or_altered_is_refused(tickets: RevealTickets) -> None:
    ticket = tickets.issue(TOKEN, 3, NOW)
    count, expires, signature = ticket.split(".")
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]

    assert tickets.check("link-token-of-order-two", ticket, NOW) is None
    assert RevealTickets(b"x" * 32).check(TOKEN, ticket, NOW) is None
    for altered in (
        f"4.{expires}.{signature}",
        f"{count}.{int(expires) + 3600}.{signature}",
        f"{count}.{expires}.{flipped}",
        f"{count}.{expires}",
        f"{count}.{expires}.{signature}.",
        "",
        "٣." + ticket.split(".", 1)[1],
        None,
        ["3"],
    ):
        assert tickets.check(TOKEN, altered, NOW) is None, altered


def test_the_key_is_never_in_its_repr(tickets: RevealTickets) -> None:
    assert "k" * 8 not in repr(tickets)
