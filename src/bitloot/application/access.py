"""Finding an order for a customer who proves they may see it."""

from bitloot.application.errors import NotFound
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.access import access_token_matches
from bitloot.domain.order import Order


async def order_for_token(uow: UnitOfWork, order_id: str, access_token: str) -> Order:
    """The order, or `NotFound` alike for an unknown order and a wrong token."""
    order = await uow.orders.get(order_id)
    if order is None:
        # Spend the same hashing work as a real comparison, so timing tells nothing either.
        access_token_matches(access_token, "0" * 64)
        raise NotFound
    if not access_token_matches(access_token, order.access_token_hash):
        raise NotFound
    return order
