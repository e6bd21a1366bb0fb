"""The order aggregate: items, totals, lifecycle and the fulfilment lease."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from bitloot.domain.errors import IllegalTransition, InvalidValue, NotFulfilledYet, RevealsBlocked
from bitloot.domain.money import Money
from bitloot.domain.order_status import FulfillmentStatus, OrderStatus, can_transition, customer_status

MAX_QUANTITY_PER_ITEM = 20
MAX_ITEMS_PER_ORDER = 10


@dataclass(slots=True)
class OrderItem:
    id: str
    product_id: str
    quantity: int
    unit_price: Money
    fulfilled_at: datetime | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.quantity <= MAX_QUANTITY_PER_ITEM:
            raise InvalidValue(f"A quantity is between 1 and {MAX_QUANTITY_PER_ITEM}.")

    @property
    def is_fulfilled(self) -> bool:
        return self.fulfilled_at is not None


@dataclass(slots=True)
class Order:
    id: str
    email: str
    currency: str
    items: list[OrderItem]
    access_token_hash: str
    created_at: datetime
    updated_at: datetime
    status: OrderStatus = OrderStatus.AWAITING_PAYMENT
    payment_url: str | None = None
    # The payment provider's id for the order's payment request (NOWPayments' invoice id).
    payment_reference: str | None = None
    fulfilled_at: datetime | None = None
    failure_reason: str | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    reveal_count: int = 0
    # Bumped by every save; repositories refuse a save based on a stale version.
    version: int = 0

    def __post_init__(self) -> None:
        if not self.items:
            raise InvalidValue("An order needs at least one item.")
        if len(self.items) > MAX_ITEMS_PER_ORDER:
            raise InvalidValue(f"An order has at most {MAX_ITEMS_PER_ORDER} items.")
        if any(item.unit_price.currency != self.currency for item in self.items):
            raise InvalidValue("All items of an order are priced in one currency.")

    @property
    def total(self) -> Money:
        total = Money.of(0, self.currency)
        for item in self.items:
            total = total.plus(item.unit_price.times(item.quantity))
        return total

    @property
    def customer_status(self) -> FulfillmentStatus:
        return customer_status(self.status)

    def item(self, item_id: str) -> OrderItem | None:
        return next((item for item in self.items if item.id == item_id), None)

    def transition_to(self, target: OrderStatus, now: datetime) -> None:
        if not can_transition(self.status, target):
            raise IllegalTransition(f"An order cannot go from {self.status} to {target}.")
        self.status = target
        self.updated_at = now

    def claim(self, owner: str, now: datetime, lease: timedelta) -> bool:
        """Take the fulfilment lease. False when another worker holds a live lease or there is no work."""
        if self.status is OrderStatus.FULFILLING:
            if (
                self.lease_expires_at is not None
                and self.lease_expires_at > now
                and self.lease_owner != owner
            ):
                return False
        elif self.status in (OrderStatus.PAID, OrderStatus.FAILED, OrderStatus.NEEDS_ATTENTION):
            self.transition_to(OrderStatus.FULFILLING, now)
            self.failure_reason = None
        else:
            return False
        self.lease_owner = owner
        self.lease_expires_at = now + lease
        self.updated_at = now
        return True

    def mark_item_fulfilled(self, item_id: str, now: datetime) -> None:
        item = self.item(item_id)
        if item is None:
            raise InvalidValue("No such item in this order.")
        if item.fulfilled_at is None:
            item.fulfilled_at = now
            self.updated_at = now

    def complete(self, now: datetime) -> None:
        if not all(item.is_fulfilled for item in self.items):
            raise IllegalTransition("An order is fulfilled only when every item is.")
        self.transition_to(OrderStatus.FULFILLED, now)
        self.fulfilled_at = now
        self._release_lease()

    def fail(self, reason: str, now: datetime) -> None:
        self.transition_to(OrderStatus.FAILED, now)
        self.failure_reason = reason
        self._release_lease()

    def hold(self, reason: str, now: datetime) -> None:
        """Stop for the operator (`needs_attention`): a supplier sent a key the shop already holds or
        delivered, which must not be given to this customer (docs/stock-integrity.md)."""
        self.transition_to(OrderStatus.NEEDS_ATTENTION, now)
        self.failure_reason = reason
        self._release_lease()

    def ensure_revealable(self) -> None:
        """Keys are shown only for a fulfilled order; a refund after fulfilment blocks them for good."""
        if self.status is OrderStatus.REFUNDED:
            raise RevealsBlocked
        if self.status is not OrderStatus.FULFILLED:
            raise NotFulfilledYet

    def record_reveal(self, now: datetime) -> None:
        self.ensure_revealable()
        self.reveal_count += 1
        self.updated_at = now

    def release(self, owner: str, now: datetime) -> bool:
        """Give the lease back before it expires (the work waits on a supplier), so that the next job
        may start at once. False, and nothing changed, when `owner` does not hold it."""
        if self.status is not OrderStatus.FULFILLING or self.lease_owner != owner:
            return False
        self._release_lease()
        self.updated_at = now
        return True

    def _release_lease(self) -> None:
        self.lease_owner = None
        self.lease_expires_at = None
