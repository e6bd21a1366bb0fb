""" "Lost your email?" (`/o/lookup`, docs/http-api.md): an order id and the email address it was
placed with get the order page link, by email to that address, never on the page.

The caller's answer is the same whether or not they match, so the lookup tells nobody which orders
exist or which address placed them: an unknown order, a wrong address and a matching one all return
nothing, after the same read. Only a match writes (the email owed), so only a match counts against
the order's email limit (a stranger's guesses never spend the owner's budget); over that limit the
email is left out and the answer stays the same."""

import hmac
import logging
import uuid

from bitloot.application.errors import TooManyRequests
from bitloot.application.log_context import note_order
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.email_addresses import EmailAddressRules
from bitloot.application.ports.rate_limit import OrderAction, OrderLimits
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.retry import in_transaction
from bitloot.domain.delivery_email import DeliveryEmail, DeliveryEmailKind
from bitloot.domain.errors import InvalidValue
from bitloot.domain.ids import new_id

log = logging.getLogger(__name__)


class SendOrderPageLink:
    def __init__(
        self, uow: UnitOfWork, clock: Clock, limits: OrderLimits, addresses: EmailAddressRules
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._limits = limits
        self._addresses = addresses

    async def execute(self, order_id: str, email: str) -> None:
        """Stage an `order_link` email to the order's address when `email` is the one the order was
        placed with (compared in normal form, ignoring case); otherwise nothing. `InvalidValue` for
        an order id that is not a UUID or text that is not an email address, before any read."""
        wanted_id = _order_id(order_id)
        wanted = self._addresses.normalized(email).casefold()
        order = await self._uow.orders.get(wanted_id)
        await self._uow.rollback()
        # The order's own address, or a stand-in of the same kind, so both paths compare alike.
        stored = order.email.casefold() if order is not None else "nobody@invalid.invalid"
        if not hmac.compare_digest(stored.encode(), wanted.encode()) or order is None:
            return
        note_order(order.id)
        try:
            await self._limits.admit(OrderAction.EMAIL, order.id)
        except TooManyRequests:
            log.info("order %s: order page link asked for again too soon; not sent", order.id)
            return
        now = self._clock.now()
        email_owed = DeliveryEmail.owed(
            DeliveryEmailKind.ORDER_LINK, order.id, order.email, now, email_id=new_id(), cause=new_id()
        )
        await in_transaction(self._uow, lambda: self._uow.emails.add(email_owed))


def _order_id(text: str) -> str:
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        raise InvalidValue("An order id looks like 0190c3d2-7a1b-7c3d-8e4f-5a6b7c8d9e0f.") from None
