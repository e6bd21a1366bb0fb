"""A customer reveals their keys, through the API or a delivery link; every reveal is audited."""

import logging
from dataclasses import dataclass
from datetime import datetime

from bitloot.application.access import order_for_token
from bitloot.application.errors import NotFound, RevealAlreadyShown
from bitloot.application.log_context import note_order
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.crypto import KeyVault
from bitloot.application.ports.links import DeliveryLinkSigner
from bitloot.application.ports.metrics import ShopMetrics
from bitloot.application.ports.rate_limit import OrderAction, OrderLimits
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.retry import in_transaction
from bitloot.domain.audit import ClientInfo, RevealChannel, RevealEvent, RevealOutcome
from bitloot.domain.errors import KeyIntegrityError, KeyPurged, RevealsBlocked
from bitloot.domain.ids import new_id
from bitloot.domain.keys import Envelope, KeyMaterial, SealedKey, order_key_context
from bitloot.domain.order import Order
from bitloot.domain.order_status import OrderStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AccessTokenCredential:
    order_id: str
    access_token: str


@dataclass(frozen=True, slots=True)
class LinkCredential:
    link_token: str


@dataclass(frozen=True, slots=True)
class RevealRequest:
    credential: AccessTokenCredential | LinkCredential
    client: ClientInfo
    item_id: str | None = None
    # Reveal only while the order's reveal count is still this one (the keys page's one-time ticket):
    # once a reveal moved it on, `RevealAlreadyShown`, with nothing audited or counted.
    expected_reveal_count: int | None = None


@dataclass(frozen=True, slots=True)
class RevealedKey:
    item_id: str
    product_id: str
    key: KeyMaterial
    revealed_at: datetime
    # The sealed key's id: what a customer's key report names.
    key_id: str = ""


@dataclass(frozen=True, slots=True)
class RevealResult:
    order_id: str
    keys: list[RevealedKey]
    reveal_count: int


@dataclass(frozen=True, slots=True)
class _Refused:
    """A reveal refused after its audit events were staged: they are committed, then `error` raised."""

    error: RevealsBlocked | KeyIntegrityError


class RevealKeys:
    def __init__(
        self,
        uow: UnitOfWork,
        vault: KeyVault,
        store: SealedBlobStore,
        links: DeliveryLinkSigner,
        clock: Clock,
        limits: OrderLimits,
        metrics: ShopMetrics,
    ) -> None:
        self._uow = uow
        self._limits = limits
        self._metrics = metrics
        self._vault = vault
        self._store = store
        self._links = links
        self._clock = clock

    async def execute(self, request: RevealRequest) -> RevealResult:
        """Open the order's keys (or one item's) and audit each with IP, user agent and channel.

        A blob that is missing, altered or copied from elsewhere fails to open: the customer gets the
        generic `KeyIntegrityError`, and a `tamper_detected` audit event tells the operator which key.
        When any key asked for was purged after the retention period, the answer is `KeyPurged`.
        With `expected_reveal_count`, the count is compared in the reveal's own transaction, so two
        requests on one ticket reveal once: the loser's save conflicts, and its retry finds the count
        moved on. A reveal that showed keys is counted by its channel (`bitloot_reveals_total`).
        """
        order_id, channel = await self._authorize(request.credential)
        await self._limits.admit(OrderAction.REVEAL, order_id)
        note_order(order_id)
        revealed = await in_transaction(self._uow, lambda: self._reveal(order_id, channel, request))
        if isinstance(revealed, _Refused):
            raise revealed.error
        self._metrics.keys_revealed(channel)
        return revealed

    async def _authorize(
        self, credential: AccessTokenCredential | LinkCredential
    ) -> tuple[str, RevealChannel]:
        if isinstance(credential, LinkCredential):
            return self._links.resolve(credential.link_token, self._clock.now()), RevealChannel.LINK
        order = await order_for_token(self._uow, credential.order_id, credential.access_token)
        return order.id, RevealChannel.API

    async def _reveal(
        self, order_id: str, channel: RevealChannel, request: RevealRequest
    ) -> RevealResult | _Refused:
        """Open the keys and stage their audit events and the order's reveal count; or, for a refused
        reveal, stage only the audit events that tell the operator why."""
        order = await self._uow.orders.get(order_id)
        if order is None:
            raise NotFound
        if request.expected_reveal_count not in (None, order.reveal_count):
            raise RevealAlreadyShown
        now = self._clock.now()
        keys = [
            key
            for key in await self._uow.keys.list_for_order(order.id)
            # A replaced key is kept for the audit and never revealed again (docs/vault.md).
            if not key.is_revoked and (request.item_id is None or key.item_id == request.item_id)
        ]
        if order.status is OrderStatus.REFUNDED:
            return await self._refuse_refunded(order, keys, channel, request.client)
        order.record_reveal(now)
        if not keys:
            raise NotFound("No such item in this order.")
        if any(key.purged_at is not None for key in keys):
            raise KeyPurged
        revealed = []
        for key in keys:
            try:
                material = await self._open(order, key)
            except KeyIntegrityError as exc:
                # Only the tamper event is kept: nothing of this reveal counts.
                await self._audit(order, key, channel, RevealOutcome.TAMPER_DETECTED, request.client)
                log.error("sealed key %s of order %s failed to open", key.id, order.id)
                return _Refused(exc)
            revealed.append(RevealedKey(key.item_id, key.product_id, material, now, key.id))
        for key in keys:
            await self._audit(order, key, channel, RevealOutcome.REVEALED, request.client)
        await self._uow.orders.save(order)
        return RevealResult(order_id=order.id, keys=revealed, reveal_count=order.reveal_count)

    async def _refuse_refunded(
        self, order: Order, keys: list[SealedKey], channel: RevealChannel, client: ClientInfo
    ) -> _Refused:
        """A refund after delivery blocks the keys for good; an attempt with a good credential is
        audited, a key at a time, so the operator sees who still tries to use them."""
        for key in keys:
            await self._audit(order, key, channel, RevealOutcome.REFUSED_REFUNDED, client)
        log.warning("a reveal of refunded order %s was refused", order.id)
        return _Refused(RevealsBlocked())

    async def _open(self, order: Order, key: SealedKey) -> KeyMaterial:
        blob = await self._store.get(key.blob_path)
        if blob is None:
            raise KeyIntegrityError
        envelope = Envelope(blob, key.wrapped_key, key.key_version, key.blob_sha256)
        return self._vault.open(envelope, order_key_context(order.id, key.item_id, key.id))

    async def _audit(
        self, order: Order, key: SealedKey, channel: RevealChannel, outcome: RevealOutcome, client: ClientInfo
    ) -> None:
        await self._uow.reveals.add(
            RevealEvent(
                id=new_id(),
                order_id=order.id,
                item_id=key.item_id,
                key_id=key.id,
                channel=channel,
                outcome=outcome,
                client=client,
                at=self._clock.now(),
            )
        )
