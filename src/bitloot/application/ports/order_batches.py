"""Orders read by the batch (for the email composer, whose emails of several orders go out at once)."""

from collections.abc import Sequence
from typing import Protocol

from bitloot.domain.order import Order


class OrderBatchReads(Protocol):
    """Reads inside the current unit of work, like every repository."""

    async def get_many(self, order_ids: Sequence[str]) -> dict[str, Order]:
        """The orders of these ids that exist, by id, with their items (in order), as
        `OrderRepository.get` reads them; a fixed number of statements whatever the number of
        orders."""
        ...
