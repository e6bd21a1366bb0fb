"""Domain results to response bodies."""

import base64
from decimal import Decimal

import msgspec

from bitloot.application.use_cases.get_fulfillment_status import FulfillmentStatusView
from bitloot.application.use_cases.get_order_details import OrderDetails
from bitloot.application.use_cases.reveal_keys import RevealResult
from bitloot.domain.delivery_email import DeliveryEmail, DeliveryEmailStatus
from bitloot.domain.keys import TEXT_KEY, KeyMaterial
from bitloot.domain.order import Order
from bitloot.domain.payment import PaymentRecord
from bitloot.domain.product import Product
from bitloot.domain.webhook import WebhookDelivery
from bitloot.entrypoints.http import schemas as s

CENT = Decimal("0.01")


def amount(value: Decimal) -> str:
    """Fixed notation with at least two decimal places, as prices are written (9.5 -> "9.50",
    1E-8 -> "0.00000001")."""
    return format(value.quantize(CENT) if value == value.quantize(CENT) else value, "f")


def product_out(product: Product, *, for_operator: bool = False) -> s.ProductOut:
    out = s.ProductOut(
        id=product.id,
        sku=product.sku,
        name=product.name,
        price=amount(product.price.amount),
        currency=product.price.currency,
        available=product.available,
    )
    if for_operator:
        out.supplier = product.supplier.value
    return out


def items_out(order: Order) -> list[s.OrderItemOut]:
    return [
        s.OrderItemOut(
            item_id=i.id, product_id=i.product_id, quantity=i.quantity, unit_price=amount(i.unit_price.amount)
        )
        for i in order.items
    ]


def placed_order_out(order: Order, access_token: str, order_page_url: str) -> s.PlacedOrderOut:
    return s.PlacedOrderOut(
        id=order.id,
        status=order.status.value,
        access_token=access_token,
        email=order.email,
        currency=order.currency,
        total=amount(order.total.amount),
        payment_url=order.payment_url,
        items=items_out(order),
        created_at=order.created_at,
        order_page_url=order_page_url,
    )


def status_out(view: FulfillmentStatusView) -> s.FulfillmentStatusOut:
    return s.FulfillmentStatusOut(
        order_id=view.order_id,
        status=view.status.value,
        order_status=view.order_status.value,
        items_total=view.items_total,
        items_fulfilled=view.items_fulfilled,
        items=[
            s.ItemStatusOut(
                item_id=i.item_id,
                product_id=i.product_id,
                quantity=i.quantity,
                status=i.status.value,
                fulfilled_at=i.fulfilled_at,
            )
            for i in view.items
        ],
        fulfilled_at=view.fulfilled_at,
        updated_at=view.updated_at,
    )


def key_text(material: KeyMaterial) -> str:
    """A text key as text; an image key as base64 of its bytes (its content type says which)."""
    if material.content_type == TEXT_KEY:
        return material.secret.decode("utf-8")
    return base64.b64encode(material.secret).decode("ascii")


def reveal_out(result: RevealResult) -> s.RevealOut:
    return s.RevealOut(
        order_id=result.order_id,
        keys=[
            s.RevealedKeyOut(
                item_id=k.item_id,
                product_id=k.product_id,
                key=key_text(k.key),
                content_type=k.key.content_type,
                revealed_at=k.revealed_at,
                key_id=k.key_id,
            )
            for k in result.keys
        ],
        reveal_count=result.reveal_count,
    )


def admin_order_out(order: Order) -> s.AdminOrderOut:
    return s.AdminOrderOut(
        id=order.id,
        email=order.email,
        status=order.status.value,
        currency=order.currency,
        total=amount(order.total.amount),
        items=items_out(order),
        created_at=order.created_at,
        updated_at=order.updated_at,
        fulfilled_at=order.fulfilled_at,
        failure_reason=order.failure_reason,
        reveal_count=order.reveal_count,
        payment_reference=order.payment_reference,
    )


def payment_out(record: PaymentRecord) -> s.PaymentOut:
    return s.PaymentOut(
        id=record.id,
        provider=record.provider,
        order_id=record.order_id,
        payment_id=record.payment_id,
        status=record.status.value,
        outcome=record.outcome.value,
        actually_paid=amount(record.actually_paid),
        pay_currency=record.pay_currency,
        received_at=record.received_at,
    )


def order_detail_out(details: OrderDetails) -> s.AdminOrderDetailOut:
    return s.AdminOrderDetailOut(
        order=admin_order_out(details.order),
        payments=[payment_out(p) for p in details.payments],
        keys=[
            s.SealedKeyOut(
                id=k.id,
                item_id=k.item_id,
                product_id=k.product_id,
                content_type=k.content_type,
                key_version=k.key_version,
                created_at=k.created_at,
                revoked_at=k.revoked_at,
                replaced_by=k.replaced_by,
            )
            for k in details.keys
        ],
        reveals=[
            s.RevealEventOut(
                id=e.id,
                item_id=e.item_id,
                key_id=e.key_id,
                channel=e.channel.value,
                outcome=e.outcome.value,
                ip=e.client.ip,
                user_agent=e.client.user_agent,
                at=e.at,
            )
            for e in details.reveals
        ],
        webhooks=[webhook_delivery_out(d) for d in details.webhooks],
        email=delivery_email_out(details.email) if details.email is not None else None,
        emails=[delivery_email_out(e) for e in details.emails],
    )


def delivery_email_out(email: DeliveryEmail) -> s.DeliveryEmailOut:
    """What the operator sees of the delivery email: never its link."""
    pending = email.status is DeliveryEmailStatus.PENDING
    return s.DeliveryEmailOut(
        status=email.status.value,
        attempts=email.attempts,
        last_error=email.last_error,
        next_attempt_at=email.next_attempt_at if pending else None,
        created_at=email.created_at,
        updated_at=email.updated_at,
        kind=email.kind.value,
    )


def webhook_delivery_out(delivery: WebhookDelivery) -> s.WebhookDeliveryOut:
    """What the operator sees of a delivery: never the signature header."""
    return s.WebhookDeliveryOut(
        id=delivery.id,
        provider=delivery.provider,
        event=delivery.event,
        signature_valid=delivery.signature_valid,
        outcome=delivery.outcome,
        order_id=delivery.order_id,
        received_at=delivery.received_at,
        replayed_from=delivery.replayed_from,
        body_size=delivery.body_size,
    )


def webhook_delivery_detail_out(delivery: WebhookDelivery) -> s.WebhookDeliveryDetailOut:
    summary = msgspec.structs.asdict(webhook_delivery_out(delivery))
    return s.WebhookDeliveryDetailOut(**summary, body=delivery.body_text())
