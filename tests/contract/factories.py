"""The contract tests' builders, on the factories of tests/factories/domain.py: each ties an object to
the ones it belongs to (an item to its product, a key to its order and item), the factories fill the
rest. And helpers shared by the contract tests."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bitloot.application.errors import ConcurrencyConflict
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.audit import RevealEvent
from bitloot.domain.ids import new_id
from bitloot.domain.key_replacement import KeyReplacement
from bitloot.domain.keys import SealedKey, StockKey
from bitloot.domain.money import Money
from bitloot.domain.order import Order, OrderItem
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentRecord
from bitloot.domain.product import Product, SupplierKind
from tests.factories.domain import (
    T0,
    OrderFactory,
    OrderItemFactory,
    PaymentRecordFactory,
    ProductFactory,
    RevealEventFactory,
    SealedKeyFactory,
    StockKeyFactory,
)

__all__ = ["T0"]  # the instant the factories use, and `at` counts from: the contract tests import it here

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def make_product(*, price: str | None = None, currency: str = "EUR", **fields: Any) -> Product:
    """A valid product (own stock unless `supplier=` says otherwise), priced `price` in `currency`."""
    if price is not None:
        fields["price"] = Money.of(price, currency)
    return ProductFactory.build(**fields)


def make_item(product: Product, quantity: int = 1, price: str | None = None) -> OrderItem:
    """`quantity` of `product`, at its price unless `price` (in its currency) is given."""
    unit_price = Money.of(price, product.price.currency) if price is not None else product.price
    return OrderItemFactory.build(product_id=product.id, quantity=quantity, unit_price=unit_price)


def make_order(
    *items: OrderItem, created_at: datetime = T0, status: OrderStatus = OrderStatus.AWAITING_PAYMENT
) -> Order:
    return OrderFactory.build(items=list(items), created_at=created_at, status=status)


def make_stock(product: Product, count: int) -> list[StockKey]:
    return StockKeyFactory.batch(count, product_id=product.id)


def make_sealed_key(order: Order, item: OrderItem, *, key_id: str | None = None, **fields: Any) -> SealedKey:
    """A delivered key of `item` with an id of its own unless `key_id` and, unless `source_key_id=`, a
    source key (stock unit) of its own."""
    if key_id is not None:
        fields["id"] = key_id
    return SealedKeyFactory.build(order_id=order.id, item_id=item.id, product_id=item.product_id, **fields)


def make_replacement(key: SealedKey, *, when: datetime = T0, **fields: Any) -> KeyReplacement:
    """A replacement of the delivered `key`, requested (and last touched) at `when` unless `fields`
    say otherwise."""
    values: dict[str, Any] = {
        "id": new_id(),
        "order_id": key.order_id,
        "item_id": key.item_id,
        "product_id": key.product_id,
        "old_key_id": key.id,
        "reason": "broken",
        "requested_by": "admin token",
        "created_at": when,
        "updated_at": when,
    }
    return KeyReplacement(**(values | fields))


def make_payment(order_id: str, *, actually_paid: str | None = None, **fields: Any) -> PaymentRecord:
    if actually_paid is not None:
        fields["actually_paid"] = Decimal(actually_paid)
    return PaymentRecordFactory.build(order_id=order_id, **fields)


def make_reveal(order: Order, key: SealedKey, *, when: datetime = T0) -> RevealEvent:
    return RevealEventFactory.build(order_id=order.id, item_id=key.item_id, key_id=key.id, at=when)


def assert_same_fields(actual: Any, expected: Any) -> None:
    """Dataclass equality spelled out, so a failure names the field that differs."""
    assert type(actual) is type(expected)
    for field in fields(expected):
        got, want = getattr(actual, field.name), getattr(expected, field.name)
        if isinstance(want, list):
            assert len(got) == len(want), field.name
            for got_item, want_item in zip(got, want, strict=True):
                assert_same_fields(got_item, want_item)
        else:
            assert got == want, f"{type(expected).__name__}.{field.name}: {got!r} != {want!r}"
        if isinstance(want, datetime):
            assert got.utcoffset() == timedelta(0), f"{field.name} is not aware UTC: {got!r}"
        if isinstance(want, Money):
            assert isinstance(got.amount, Decimal)


async def expect_conflict(uow: UnitOfWork, write: Callable[[], Awaitable[object]]) -> None:
    """`write` then `commit()` raises `ConcurrencyConflict` (the port allows either step to raise);
    the unit of work is rolled back afterwards, as a caller would."""

    async def write_and_commit() -> None:
        await write()
        await uow.commit()

    with pytest.raises(ConcurrencyConflict):
        await write_and_commit()
    await uow.rollback()


async def store(uow: UnitOfWork, *, products: Sequence[Product] = (), orders: Sequence[Order] = ()) -> None:
    for product in products:
        await uow.products.add(product)
    for order in orders:
        await uow.orders.add(order)
    await uow.commit()


async def stored_delivered_key(uow_factory: Callable[[], UnitOfWork]) -> tuple[Product, Order, SealedKey]:
    """A fulfilled order of one own-stock item and the live key delivered to it, stored: what a key
    report or a key replacement is about."""
    product = make_product(supplier=SupplierKind.STOCK, supplier_product_id=None)
    order = make_order(make_item(product), status=OrderStatus.FULFILLED)
    await store(uow_factory(), products=[product], orders=[order])
    key = make_sealed_key(
        order, order.items[0], purged_at=None, revoked_at=None, revoke_reason=None, replaced_by=None
    )
    uow = uow_factory()
    assert await uow.keys.add(key)
    await uow.commit()
    return product, order, key


async def read_order(uow: UnitOfWork, order_id: str) -> Order:
    """Read an order and end the transaction (SQLite lets one transaction at a time hold the file)."""
    order = await uow.orders.get(order_id)
    await uow.rollback()
    assert order is not None
    return order
