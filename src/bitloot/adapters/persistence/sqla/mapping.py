"""Rows to domain entities and back."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping

from bitloot.domain.audit import ClientInfo, RevealChannel, RevealEvent, RevealOutcome
from bitloot.domain.keys import SealedKey, StockKey
from bitloot.domain.lifecycle import OrderStatus
from bitloot.domain.money import Money
from bitloot.domain.order import Order, OrderItem
from bitloot.domain.payment import PaymentOutcome, PaymentRecord, PaymentStatus
from bitloot.domain.product import Product, SupplierKind

Row = RowMapping


def exact(amount: Decimal) -> Decimal:
    """Drop the trailing zeros a fixed-scale column adds (19.99000000 -> 19.99, 5.00000000 -> 5)."""
    return amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount.normalize()


def product_from_row(row: Row, available: int | None = None) -> Product:
    supplier = SupplierKind(row["supplier"])
    return Product(
        id=row["id"],
        sku=row["sku"],
        name=row["name"],
        price=Money(exact(row["price"]), row["currency"]),
        supplier=supplier,
        supplier_product_id=row["supplier_product_id"],
        available=row["supplier_available"] if available is None else available,
    )


def product_values(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "sku": product.sku,
        "name": product.name,
        "price": product.price.amount,
        "currency": product.price.currency,
        "supplier": product.supplier.value,
        "supplier_product_id": product.supplier_product_id,
        "supplier_available": product.available if product.supplier is not SupplierKind.STOCK else 0,
    }


def item_from_row(row: Row) -> OrderItem:
    return OrderItem(
        id=row["id"],
        product_id=row["product_id"],
        quantity=row["quantity"],
        unit_price=Money(exact(row["unit_price"]), row["currency"]),
        fulfilled_at=row["fulfilled_at"],
    )


def order_from_rows(row: Row, items: Sequence[Row]) -> Order:
    return Order(
        id=row["id"],
        email=row["email"],
        currency=row["currency"],
        items=[item_from_row(item) for item in items],
        access_token_hash=row["access_token_hash"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=OrderStatus(row["status"]),
        payment_url=row["payment_url"],
        payment_reference=row["payment_reference"],
        fulfilled_at=row["fulfilled_at"],
        failure_reason=row["failure_reason"],
        lease_owner=row["lease_owner"],
        lease_expires_at=row["lease_expires_at"],
        reveal_count=row["reveal_count"],
        version=row["version"],
    )


def order_values(order: Order) -> dict[str, Any]:
    """The mutable columns of an order (everything but id and creation facts)."""
    return {
        "status": order.status.value,
        "payment_url": order.payment_url,
        "payment_reference": order.payment_reference,
        "updated_at": order.updated_at,
        "fulfilled_at": order.fulfilled_at,
        "failure_reason": order.failure_reason,
        "lease_owner": order.lease_owner,
        "lease_expires_at": order.lease_expires_at,
        "reveal_count": order.reveal_count,
    }


def new_order_values(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "email": order.email,
        "currency": order.currency,
        "access_token_hash": order.access_token_hash,
        "created_at": order.created_at,
        "version": order.version,
        **order_values(order),
    }


def item_values(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "id": item.id,
            "order_id": order.id,
            "position": position,
            "product_id": item.product_id,
            "quantity": item.quantity,
            "unit_price": item.unit_price.amount,
            "currency": item.unit_price.currency,
            "fulfilled_at": item.fulfilled_at,
        }
        for position, item in enumerate(order.items)
    ]


def stock_key_from_row(row: Row) -> StockKey:
    return StockKey(**{name: row[name] for name in _STOCK_FIELDS})


def sealed_key_from_row(row: Row) -> SealedKey:
    return SealedKey(**{name: row[name] for name in _SEALED_FIELDS})


def payment_from_row(row: Row) -> PaymentRecord:
    return PaymentRecord(
        id=row["id"],
        provider=row["provider"],
        dedupe_key=row["dedupe_key"],
        order_id=row["order_id"],
        payment_id=row["payment_id"],
        status=PaymentStatus(row["status"]),
        outcome=PaymentOutcome(row["outcome"]),
        actually_paid=exact(row["actually_paid"]),
        pay_currency=row["pay_currency"],
        received_at=row["received_at"],
    )


def reveal_from_row(row: Row) -> RevealEvent:
    return RevealEvent(
        id=row["id"],
        order_id=row["order_id"],
        item_id=row["item_id"],
        key_id=row["key_id"],
        channel=RevealChannel(row["channel"]),
        outcome=RevealOutcome(row["outcome"]),
        client=ClientInfo(ip=row["ip"], user_agent=row["user_agent"]),
        at=row["at"],
    )


def reveal_values(event: RevealEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "order_id": event.order_id,
        "item_id": event.item_id,
        "key_id": event.key_id,
        "channel": event.channel.value,
        "outcome": event.outcome.value,
        "ip": event.client.ip,
        "user_agent": (event.client.user_agent or "")[:512] or None,
        "at": event.at,
    }


_STOCK_FIELDS = (
    "id",
    "product_id",
    "blob_path",
    "wrapped_key",
    "key_version",
    "blob_sha256",
    "content_type",
    "created_at",
    "order_id",
    "item_id",
)
_SEALED_FIELDS = (
    "id",
    "order_id",
    "item_id",
    "product_id",
    "source_key_id",
    "blob_path",
    "wrapped_key",
    "key_version",
    "blob_sha256",
    "content_type",
    "created_at",
    "purged_at",
)
