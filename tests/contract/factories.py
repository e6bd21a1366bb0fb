"""Small builders of domain objects and helpers shared by the contract tests."""

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from bitloot.application.errors import ConcurrencyConflict
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.audit import ClientInfo, RevealChannel, RevealEvent, RevealOutcome
from bitloot.domain.ids import new_id
from bitloot.domain.keys import SealedKey, StockKey, order_key_path, stock_key_path
from bitloot.domain.money import Money
from bitloot.domain.order import Order, OrderItem
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.payment import PaymentOutcome, PaymentRecord, PaymentStatus
from bitloot.domain.product import Product, SupplierKind

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

# Microseconds on purpose: they must survive every store.
T0 = datetime(2026, 3, 14, 15, 9, 26, 535897, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def make_product(
    *,
    supplier: SupplierKind = SupplierKind.STOCK,
    sku: str | None = None,
    price: str = "19.99",
    currency: str = "EUR",
    available: int = 0,
) -> Product:
    product_id = new_id()
    return Product(
        id=product_id,
        sku=sku or f"SKU-{product_id[-12:]}",
        name=f"Game {product_id[-6:]}",
        price=Money.of(price, currency),
        supplier=supplier,
        supplier_product_id=f"kg-{product_id[-8:]}" if supplier is SupplierKind.KINGUIN else None,
        available=available,
    )


def make_item(product: Product, quantity: int = 1, price: str | None = None) -> OrderItem:
    unit_price = Money.of(price, product.price.currency) if price is not None else product.price
    return OrderItem(id=new_id(), product_id=product.id, quantity=quantity, unit_price=unit_price)


def make_order(
    *items: OrderItem,
    created_at: datetime = T0,
    status: OrderStatus = OrderStatus.AWAITING_PAYMENT,
) -> Order:
    order_id = new_id()
    return Order(
        id=order_id,
        email=f"buyer-{order_id[-6:]}@example.com",
        currency=items[0].unit_price.currency,
        items=list(items),
        access_token_hash=hashlib.sha256(order_id.encode()).hexdigest(),
        created_at=created_at,
        updated_at=created_at,
        status=status,
    )


def make_stock(product: Product, count: int) -> list[StockKey]:
    units = []
    for _ in range(count):
        key_id = new_id()
        units.append(
            StockKey(
                id=key_id,
                product_id=product.id,
                blob_path=stock_key_path(product.id, key_id),
                wrapped_key=b"\x01" * 40,
                key_version=1,
                blob_sha256=hashlib.sha256(key_id.encode()).hexdigest(),
                content_type="text/plain",
                created_at=T0,
            )
        )
    return units


def make_sealed_key(
    order: Order,
    item: OrderItem,
    *,
    key_id: str | None = None,
    source_key_id: str | None = None,
    blob_path: str = "",
) -> SealedKey:
    """A delivered key with an id of its own and, unless given, a source key (stock unit) of its own."""
    key_id = key_id or new_id()
    return SealedKey(
        id=key_id,
        order_id=order.id,
        item_id=item.id,
        product_id=item.product_id,
        source_key_id=source_key_id or new_id(),
        blob_path=blob_path or order_key_path(order.id, key_id),
        wrapped_key=b"\x02" * 40,
        key_version=1,
        blob_sha256=hashlib.sha256(key_id.encode()).hexdigest(),
        content_type="text/plain",
        created_at=T0,
    )


def make_payment(
    order_id: str,
    *,
    received_at: datetime = T0,
    dedupe_key: str | None = None,
    actually_paid: str = "0.00123456",
) -> PaymentRecord:
    record_id = new_id()
    return PaymentRecord(
        id=record_id,
        provider="nowpayments",
        dedupe_key=dedupe_key or hashlib.sha256(record_id.encode()).hexdigest(),
        order_id=order_id,
        payment_id=f"pay-{record_id[-10:]}",
        status=PaymentStatus.FINISHED,
        outcome=PaymentOutcome.APPLIED,
        actually_paid=Decimal(actually_paid),
        pay_currency="btc",
        received_at=received_at,
    )


def make_reveal(order: Order, key: SealedKey, *, when: datetime = T0) -> RevealEvent:
    return RevealEvent(
        id=new_id(),
        order_id=order.id,
        item_id=key.item_id,
        key_id=key.id,
        channel=RevealChannel.LINK,
        outcome=RevealOutcome.REVEALED,
        client=ClientInfo(ip="203.0.113.7", user_agent="Mozilla/5.0 (contract test)"),
        at=when,
    )


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


async def read_order(uow: UnitOfWork, order_id: str) -> Order:
    """Read an order and end the transaction (SQLite lets one transaction at a time hold the file)."""
    order = await uow.orders.get(order_id)
    await uow.rollback()
    assert order is not None
    return order
