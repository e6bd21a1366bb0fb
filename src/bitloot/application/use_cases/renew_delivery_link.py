"""A customer whose delivery link expired asks, from its page, for a fresh one by email."""

from bitloot.application.ports.links import DeliveryLinkSigner
from bitloot.application.use_cases.request_delivery_link import LinkRequestOutcome, RequestDeliveryLink


class RenewDeliveryLink:
    def __init__(self, links: DeliveryLinkSigner, request_link: RequestDeliveryLink) -> None:
        self._links = links
        self._request_link = request_link

    async def execute(self, link_token: str) -> LinkRequestOutcome:
        """A link this shop signed, even expired, proves the customer got an email of this order: the
        fresh link goes to that order's own address (`RequestDeliveryLink`, with its limits and
        refusals), never to the page. A forged or altered link is `InvalidDeliveryLink`."""
        return await self._request_link.execute(self._links.issued_for(link_token))
