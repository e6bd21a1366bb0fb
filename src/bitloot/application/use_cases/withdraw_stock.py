"""The operator takes units of own stock off sale (docs/stock-integrity.md). Only available units are
withdrawn; each other unit is refused with the reason the operator reads. A withdrawn unit keeps its
sealed blob and its fingerprint, so its key is never imported again. Audited (`stock_withdrawn`)."""

from collections.abc import Sequence
from dataclasses import dataclass

from bitloot.application.errors import NotFound
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.retry import in_transaction
from bitloot.domain.errors import InvalidValue
from bitloot.domain.operator_audit import ActionKind, Actor, TargetKind
from bitloot.domain.stock import (
    MAX_UNITS_PER_WITHDRAWAL,
    StockUnitView,
    withdraw_reason,
    withdraw_refusal,
)


@dataclass(frozen=True, slots=True)
class WithdrawStockRequest:
    product_id: str
    unit_ids: Sequence[str]
    reason: str


@dataclass(frozen=True, slots=True)
class UnitWithdrawal:
    """One unit asked for: withdrawn, or `refusal` says why not ("already sold", "reserved for order
    X", "already withdrawn", "not this product's")."""

    unit_id: str
    withdrawn: bool
    refusal: str | None = None


@dataclass(frozen=True, slots=True)
class WithdrawResult:
    # In the order asked, each unit once.
    units: tuple[UnitWithdrawal, ...]
    withdrawn: int
    # The product's available units after the withdrawal.
    available: int


class WithdrawStock:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def execute(self, request: WithdrawStockRequest, actor: Actor) -> WithdrawResult:
        """`NotFound` for an unknown product; `InvalidValue` for no unit, too many units or a reason
        that is blank or too long. A unit allocated to an order meanwhile is refused as reserved,
        never withdrawn (the store's conditional write decides the race)."""
        reason = withdraw_reason(request.reason)
        unit_ids = list(dict.fromkeys(request.unit_ids))
        if not unit_ids or len(unit_ids) > MAX_UNITS_PER_WITHDRAWAL:
            raise InvalidValue(f"Withdraw 1 to {MAX_UNITS_PER_WITHDRAWAL} units at once.")
        return await in_transaction(
            self._uow, lambda: self._withdraw(request.product_id, unit_ids, reason, actor)
        )

    async def _withdraw(
        self, product_id: str, unit_ids: list[str], reason: str, actor: Actor
    ) -> WithdrawResult:
        if await self._uow.products.get(product_id) is None:
            raise NotFound("No such product.")
        stock = self._uow.stock
        before = await stock.views(unit_ids)
        candidates = [u for u in unit_ids if withdraw_refusal(before.get(u), product_id) is None]
        now = self._clock.now()
        taken = (
            set(await stock.withdraw(product_id, candidates, now, actor.label, reason))
            if candidates
            else set()
        )
        # A candidate not taken changed meanwhile: read what it is now.
        after = await stock.views([u for u in unit_ids if u not in taken])
        units = tuple(
            UnitWithdrawal(u, True)
            if u in taken
            else UnitWithdrawal(u, False, _refusal(after.get(u), product_id))
            for u in unit_ids
        )
        if taken:
            detail = f"withdrew {len(taken)}, refused {len(unit_ids) - len(taken)}: {reason}"
            await self._uow.operator_actions.add(
                actor.did(ActionKind.STOCK_WITHDRAWN, TargetKind.PRODUCT, product_id, now, detail)
            )
        return WithdrawResult(units, len(taken), await stock.count_available(product_id))


def _refusal(unit: StockUnitView | None, product_id: str) -> str:
    # A unit the conditional write did not take though it looked available was allocated meanwhile.
    return withdraw_refusal(unit, product_id) or "reserved for an order"
