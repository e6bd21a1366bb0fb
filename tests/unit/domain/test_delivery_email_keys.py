"""Each kind's dedupe key, pinned byte for byte: the outbox's rows already in databases dedupe by these
keys, so an email owed again by the same cause after an upgrade must collide with the row sent before."""

import hashlib
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bitloot.domain.delivery_email import (
    DEDUPE_PREFIX,
    MAX_DEDUPE_KEY_LENGTH,
    ONCE_PER_ORDER,
    DeliveryEmail,
    DeliveryEmailKind,
    DeliveryEmailStatus,
    underpaid_cause,
)

K = DeliveryEmailKind
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ORDER = "0192f0c4-0000-7000-8000-000000000001"
CAUSE = "0192f0c4-0000-7000-8000-0000000000c5"
# Kind -> (the cause it is owed for, the key it has had since it was first written).
PINNED = {
    K.ORDER_FULFILLED: (None, f"fulfilled:{ORDER}"),
    K.ORDER_RECEIVED: (None, f"received:{ORDER}"),
    K.ORDER_FAILED: (None, f"failed:{ORDER}"),
    K.UNDERPAID: (
        underpaid_cause(ORDER, "5077125051", Decimal("0.00040")),
        f"underpaid:{ORDER}:5077125051:0.0004",
    ),
    K.DELIVERY_RESENT: (CAUSE, f"resent:{CAUSE}"),
    K.KEY_REPLACED: (CAUSE, f"replaced:{CAUSE}"),
    K.LINK_REQUESTED: (CAUSE, f"requested:{CAUSE}"),
    K.ORDER_LINK: (CAUSE, f"lookup:{CAUSE}"),
    K.EXPIRED_PARTLY_PAID: (None, f"expired:{ORDER}"),
}


def owed(kind: DeliveryEmailKind, cause: str | None) -> DeliveryEmail:
    return DeliveryEmail.owed(kind, ORDER, "buyer@example.com", NOW, email_id="email-1", cause=cause)


def test_every_kind_has_a_prefix_and_a_pinned_key() -> None:
    assert set(DEDUPE_PREFIX) == set(PINNED) == set(DeliveryEmailKind)
    assert len(set(DEDUPE_PREFIX.values())) == len(DEDUPE_PREFIX)  # no two kinds share a key space


@pytest.mark.parametrize("kind", list(DeliveryEmailKind))
def test_each_kind_keeps_its_dedupe_key_byte_for_byte(kind: DeliveryEmailKind) -> None:
    cause, key = PINNED[kind]
    email = owed(kind, cause)
    assert email.dedupe_key == key
    assert (email.kind, email.order_id, email.email, email.id) == (
        kind,
        ORDER,
        "buyer@example.com",
        "email-1",
    )
    assert (email.status, email.attempts, email.last_error) == (DeliveryEmailStatus.PENDING, 0, None)
    assert email.next_attempt_at == email.created_at == email.updated_at == NOW


def test_an_underpaid_key_too_long_for_its_column_is_the_digest_it_always_was() -> None:
    payment = "p" * 100
    email = owed(K.UNDERPAID, underpaid_cause(ORDER, payment, Decimal("0.12345678")))
    digest = hashlib.sha256(f"{payment}:0.12345678".encode()).hexdigest()[:40]
    assert email.dedupe_key == f"underpaid:{ORDER}:{digest}"
    assert len(email.dedupe_key) <= MAX_DEDUPE_KEY_LENGTH


def test_any_other_key_too_long_for_its_column_is_a_digest_of_its_cause() -> None:
    cause = "c" * 200
    email = owed(K.DELIVERY_RESENT, cause)
    assert email.dedupe_key == f"resent:{hashlib.sha256(cause.encode()).hexdigest()}"
    assert len(email.dedupe_key) <= MAX_DEDUPE_KEY_LENGTH


@pytest.mark.parametrize("kind", sorted(ONCE_PER_ORDER))
def test_a_kind_owed_once_per_order_takes_no_cause(kind: DeliveryEmailKind) -> None:
    with pytest.raises(ValueError, match="once per order"):
        owed(kind, CAUSE)


@pytest.mark.parametrize("kind", sorted(set(DeliveryEmailKind) - ONCE_PER_ORDER))
def test_a_kind_owed_for_a_cause_needs_one(kind: DeliveryEmailKind) -> None:
    with pytest.raises(ValueError, match="for a cause"):
        owed(kind, None)
