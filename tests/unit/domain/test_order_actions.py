"""Which operator actions an order's state allows (domain/order_actions.py): the whole table,
spelled out."""

import pytest

from bitloot.domain.order_actions import OrderAction, applicable, applies
from bitloot.domain.order_status import OrderStatus

_S, _A = OrderStatus, OrderAction
TABLE = {
    _S.AWAITING_PAYMENT: set(),
    _S.UNDERPAID: {_A.MARK_REFUNDED},
    _S.PAID: {_A.MARK_REFUNDED},
    _S.FULFILLING: {_A.MARK_REFUNDED},
    _S.FULFILLED: {_A.RESEND_EMAIL, _A.REPLACE_KEY, _A.MARK_REFUNDED},
    _S.FAILED: {_A.RETRY_FULFILLMENT, _A.MARK_REFUNDED},
    _S.NEEDS_ATTENTION: {_A.RETRY_FULFILLMENT, _A.MARK_REFUNDED},
    _S.EXPIRED: set(),
    _S.PAYMENT_FAILED: set(),
    _S.REFUNDED: set(),
}


def test_the_table_names_every_state() -> None:
    assert set(TABLE) == set(OrderStatus)


@pytest.mark.parametrize("status", list(OrderStatus))
def test_the_actions_each_state_allows(status: OrderStatus) -> None:
    assert applicable(status) == TABLE[status]
    for action in OrderAction:
        assert applies(action, status) is (action in TABLE[status])
