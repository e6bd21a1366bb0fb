"""A customer reports a delivered key that does not work (docs/stock-integrity.md)."""

from dataclasses import dataclass

from bitloot.application.access import order_for_token
from bitloot.application.errors import ConcurrencyConflict, NotFound
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.links import DeliveryLinkSigner
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.retry import in_transaction
from bitloot.application.use_cases.reveal_keys import AccessTokenCredential, LinkCredential
from bitloot.domain.errors import RevealsBlocked
from bitloot.domain.ids import new_id
from bitloot.domain.key_reports import KeyReport, report_message
from bitloot.domain.order_status import OrderStatus


@dataclass(frozen=True, slots=True)
class ReportKeyRequest:
    credential: AccessTokenCredential | LinkCredential
    key_id: str
    message: str


@dataclass(frozen=True, slots=True)
class ReportKeyResult:
    """The key's open report; `already_reported` when it was open before this request (which then
    changed nothing)."""

    report: KeyReport
    already_reported: bool


class ReportKey:
    def __init__(self, uow: UnitOfWork, links: DeliveryLinkSigner, clock: Clock) -> None:
        self._uow = uow
        self._links = links
        self._clock = clock

    async def execute(self, request: ReportKeyRequest) -> ReportKeyResult:
        """The credential authorises a report as it authorises a reveal (a forged or expired link is
        `InvalidDeliveryLink`, a wrong token `NotFound`). Only a live (not revoked) key of a fulfilled
        order is reported; a refunded order's keys are blocked (`RevealsBlocked`). At most one open
        report per key: a second gets the first back and writes nothing."""
        message = report_message(request.message)
        order_id = await self._authorize(request.credential)
        return await in_transaction(self._uow, lambda: self._report(order_id, request.key_id, message))

    async def _authorize(self, credential: AccessTokenCredential | LinkCredential) -> str:
        if isinstance(credential, LinkCredential):
            return self._links.resolve(credential.link_token, self._clock.now())
        order = await order_for_token(self._uow, credential.order_id, credential.access_token)
        return order.id

    async def _report(self, order_id: str, key_id: str, message: str) -> ReportKeyResult:
        order = await self._uow.orders.get(order_id)
        if order is None:
            raise NotFound
        if order.status is OrderStatus.REFUNDED:
            raise RevealsBlocked
        key = await self._uow.keys.get(key_id)
        if key is None or key.order_id != order.id or key.is_revoked:
            raise NotFound("No such key in this order.")
        existing = await self._uow.key_reports.open_for_key(key.id)
        if existing is not None:
            return ReportKeyResult(existing, already_reported=True)
        report = KeyReport(
            id=new_id(),
            order_id=order.id,
            item_id=key.item_id,
            sealed_key_id=key.id,
            message=message,
            created_at=self._clock.now(),
        )
        if not await self._uow.key_reports.add(report):
            # Another request opened one meanwhile: the next attempt reads it.
            raise ConcurrencyConflict
        return ReportKeyResult(report, already_reported=False)
