"""The reconciler finishes key replacements that a crash or an outage left `requested`
(docs/stock-integrity.md): each runs again through `ReplaceKey.resume`, which yields exactly one new
key and one revocation however often, and however concurrently, it runs."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from bitloot.application.errors import (
    ConcurrencyConflict,
    Conflict,
    NotFound,
    StorageUnavailable,
    SupplierUnavailable,
)
from bitloot.application.log_context import about_order
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.use_cases.replace_key import ReplaceKey
from bitloot.domain.operator_audit import Actor, ActorKind

log = logging.getLogger(__name__)

# Who the audit names for a replacement the reconciler finished (its record names who asked for it).
RECONCILER = Actor(ActorKind.SYSTEM, "reconciler")


@dataclass(frozen=True, slots=True)
class FinishReplacementsSettings:
    # A replacement touched this recently may still be running in the request that asked for it.
    grace: timedelta = timedelta(seconds=60)
    batch: int = 20


@dataclass(frozen=True, slots=True)
class FinishedReplacements:
    done: int = 0
    # Refused for good (no stock left, no supplier): the replacement is `failed`, for the operator,
    # and its report stays open.
    refused: int = 0


class FinishKeyReplacements:
    def __init__(
        self, uow: UnitOfWork, replace_key: ReplaceKey, clock: Clock, settings: FinishReplacementsSettings
    ) -> None:
        self._uow = uow
        self._replace_key = replace_key
        self._clock = clock
        self._settings = settings

    async def execute(self) -> FinishedReplacements:
        """Finish up to a batch of requested replacements untouched for the grace period, oldest
        first. Stops at a supplier or storage outage, or a race lost again and again (the rest waits
        for the next round)."""
        cutoff = self._clock.now() - self._settings.grace
        unfinished = await self._uow.key_replacements.unfinished(self._settings.batch)
        await self._uow.rollback()
        done = refused = 0
        for replacement in (r for r in unfinished if r.updated_at <= cutoff):
            try:
                with about_order(replacement.order_id):
                    await self._replace_key.resume(replacement.id, RECONCILER)
            except (Conflict, NotFound) as exc:
                log.warning("key replacement %s not finished: %s", replacement.id, exc)
                refused += 1
                continue
            except (SupplierUnavailable, StorageUnavailable, ConcurrencyConflict) as exc:
                log.warning("key replacements left for the next round: %s", type(exc).__name__)
                break
            done += 1
        if done or refused:
            log.info("finished %d key replacement(s), %d refused", done, refused)
        return FinishedReplacements(done=done, refused=refused)
