"""Finding an order for a customer who proves they may see it."""

from bitloot.application.errors import NotFound
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.domain.access import access_token_matches
from bitloot.domain.order import Order


def may_see(access_token: str, token_hash: str | None) -> bool:
    """Whether the token opens the order whose token hash is `token_hash` (None: there is no such
    order). Both answers spend the same hashing work, so timing tells nothing either."""
    matches = access_token_matches(access_token, token_hash or "0" * 64)
    return matches and token_hash is not None


async def order_for_token(uow: UnitOfWork, order_id: str, access_token: str) -> Order:
    """The order, or `NotFound` alike for an unknown order and a wrong token: both run the same one
    statement (the token's hash) and the same hashing work; the order itself is read only for a
    caller who proved they may see it."""
    if not may_see(access_token, await uow.orders.access_token_hash(order_id)):
        raise NotFound
    order = await uow.orders.get(order_id)
    if order is None:  # deleted between the two reads
        raise NotFound
    return order
