"""Who may do what in the console (docs/console.md): the whole table, spelled out."""

import pytest

from bitloot.domain.errors import InvalidValue
from bitloot.domain.operators import Permission, Role, may, normalized_email

SUPPORT_MAY = {
    Permission.VIEW,
    Permission.RETRY_FULFILLMENT,
    Permission.RESEND_EMAIL,
    Permission.REPLACE_KEY,
    Permission.DISMISS_KEY_REPORT,
    Permission.REPLAY_WEBHOOK,
}


@pytest.mark.parametrize("permission", list(Permission))
def test_the_permission_table(permission: Permission) -> None:
    assert may(Role.OWNER, permission), "an owner may do everything"
    assert may(Role.SUPPORT, permission) is (permission in SUPPORT_MAY)


def test_support_may_not_change_the_catalog_the_stock_the_money_or_the_people() -> None:
    for permission in (
        Permission.CREATE_PRODUCT,
        Permission.IMPORT_STOCK,
        Permission.WITHDRAW_STOCK,
        Permission.MANAGE_OPERATORS,
        Permission.SEE_CLIENT_IPS,
        Permission.MARK_REFUNDED,
    ):
        assert not may(Role.SUPPORT, permission)


def test_an_email_is_one_lower_case_address() -> None:
    assert normalized_email("  Alice@Shop.Example ") == "alice@shop.example"
    for bad in ("alice", "alice@", "@shop.example", "a b@shop.example", "a@b@shop.example", "a@localhost"):
        with pytest.raises(InvalidValue, match="one address"):
            normalized_email(bad)
