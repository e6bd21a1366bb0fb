"""What the reveal button (`POST /d/{token}/reveal`) and the keys page (`GET /d/{token}/keys`) share,
provided once per request (ioc/http_only.py): the order's summary, the checks of the form's CSRF token
or the keys page's ticket, the rate guard, and the reveal itself (audited with who asked)."""

from dataclasses import dataclass
from typing import Any

from litestar import Request

from bitloot.application.ports.clock import Clock
from bitloot.application.use_cases.get_delivery_summary import DeliverySummary, GetDeliverySummary
from bitloot.application.use_cases.reveal_keys import LinkCredential, RevealKeys, RevealRequest, RevealResult
from bitloot.entrypoints.http.client import client_info
from bitloot.entrypoints.http.customer_csrf import FIELD, CustomerCsrf
from bitloot.entrypoints.http.limits import RateGuard
from bitloot.entrypoints.http.reveal_tickets import RevealTicket, RevealTickets


@dataclass(frozen=True, slots=True)
class RevealSteps:
    use_case: RevealKeys
    summaries: GetDeliverySummary
    guard: RateGuard
    csrf: CustomerCsrf
    tickets: RevealTickets
    clock: Clock

    async def form_ok(self, request: Request[Any, Any, Any], token: str) -> bool:
        """Whether the posted form carries the CSRF token of this link's page."""
        form = await request.form()
        return self.csrf.link_ok(token, form.get(FIELD))

    def ticket(self, token: str, sent: str | None) -> RevealTicket | None:
        """The keys page's ticket, if it is genuine, of this link and still in time."""
        return self.tickets.check(token, sent, self.clock.now())

    def issue_ticket(self, token: str, summary: DeliverySummary) -> str:
        """A one-time ticket to the keys page, bound to the order's reveal count now."""
        return self.tickets.issue(token, summary.order.reveal_count, self.clock.now())

    async def reveal(
        self, request: Request[Any, Any, Any], token: str, expected_reveal_count: int | None = None
    ) -> RevealResult:
        """Run the reveal use case for the link, audited with the client's address and user agent."""
        return await self.use_case.execute(
            RevealRequest(
                LinkCredential(token),
                client_info(request, self.guard.addresses),
                expected_reveal_count=expected_reveal_count,
            )
        )
