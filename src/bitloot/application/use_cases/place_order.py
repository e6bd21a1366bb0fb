"""A customer places an order and gets a one-time access token, a payment URL and the order page."""

from dataclasses import dataclass

from bitloot.application.errors import Conflict
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.email_addresses import EmailAddressRules
from bitloot.application.ports.links import DeliveryLink, OrderPageLinkSigner
from bitloot.application.ports.payments import PaymentGateway
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.access import hash_access_token, new_access_token
from bitloot.domain.delivery_email import DeliveryEmail, DeliveryEmailKind
from bitloot.domain.errors import InvalidValue, OutOfStock
from bitloot.domain.ids import new_id
from bitloot.domain.order import Order, OrderItem
from bitloot.domain.product import SupplierKind


@dataclass(frozen=True, slots=True)
class OrderLine:
    product_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class PlaceOrderRequest:
    email: str
    lines: list[OrderLine]


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    order: Order
    # Shown to the customer this once; only its hash is stored.
    access_token: str
    # The order page (30 days): where the payment provider sends the customer back, too.
    order_page: DeliveryLink


class PlaceOrder:
    def __init__(
        self,
        uow: UnitOfWork,
        payments: PaymentGateway,
        clock: Clock,
        addresses: EmailAddressRules,
        order_pages: OrderPageLinkSigner,
    ) -> None:
        self._uow = uow
        self._payments = payments
        self._clock = clock
        self._addresses = addresses
        self._order_pages = order_pages

    async def execute(self, request: PlaceOrderRequest) -> PlacedOrder:
        """Prices come from the catalog, never from the customer. An own-stock product must have the
        units in stock now; they are allocated only once the order is paid. An unlisted product is not on
        sale (`Conflict`)."""
        email = self._addresses.normalized(request.email)
        product_ids = [line.product_id for line in request.lines]
        if len(set(product_ids)) != len(product_ids):
            raise InvalidValue("List each product once, with its quantity.")
        products = await self._uow.products.get_many(product_ids)
        now = self._clock.now()
        items = []
        for line in request.lines:
            product = products.get(line.product_id)
            if product is None:
                raise InvalidValue(f"Unknown product {line.product_id}.")
            if not product.listed:
                raise Conflict(f"{product.sku} is not on sale.")
            if product.supplier is SupplierKind.STOCK and product.available < line.quantity:
                raise OutOfStock(f"Only {product.available} of {product.sku} left in stock.")
            items.append(OrderItem(new_id(), product.id, line.quantity, product.price))
        currencies = {item.unit_price.currency for item in items}
        if len(currencies) > 1:
            raise InvalidValue("All products of an order must be priced in one currency.")
        token = new_access_token()
        order = Order(
            id=new_id(),
            email=email,
            currency=currencies.pop() if currencies else "EUR",
            items=items,
            access_token_hash=hash_access_token(token),
            created_at=now,
            updated_at=now,
        )
        # A total too large to store or to charge is refused (`InvalidValue`) before anything is written.
        _ = order.total
        order_page = self._order_pages.issue(order.id, now)
        # The provider is asked before anything is written: if it fails (`PaymentProviderUnavailable`),
        # no order is stored.
        session = await self._payments.start_payment(order, order_page.token)
        order.payment_url = session.url
        order.payment_reference = session.reference
        await self._uow.orders.add(order)
        # The "order received" email (payment link, order page) commits with the order: one more row.
        await self._uow.emails.add(
            DeliveryEmail.owed(
                DeliveryEmailKind.ORDER_RECEIVED, order.id, order.email, now, email_id=new_id()
            )
        )
        await self._uow.commit()
        return PlacedOrder(order=order, access_token=token, order_page=order_page)
