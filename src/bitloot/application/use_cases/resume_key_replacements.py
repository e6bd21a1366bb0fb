"""The reconciler finishes the key replacements a crash left `requested` (docs/stock-integrity.md).

A replacement runs inside the operator's request; a process that dies mid-way (after the supplier
step, after the blob was put, before the completion committed) leaves its record `requested`. Each
reconciler round resumes those untouched for `grace`, through the same `ReplaceKey.resume` the
operator's second press takes, so the customer gets the new key and its email without anyone noticing
the crash. The grace keeps a round from racing a request still in flight (which would be safe, under
the replacement's lock, but pointless).
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from bitloot.application.ports.clock import Clock
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.use_cases.replace_key import ReplaceKey
from bitloot.domain.errors import Refusal
from bitloot.domain.operator_audit import Actor

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ResumeSettings:
    grace: timedelta = timedelta(seconds=30)
    batch: int = 20


class ResumeKeyReplacements:
    def __init__(self, uow: UnitOfWork, replace: ReplaceKey, clock: Clock) -> None:
        self._uow = uow
        self._replace = replace
        self._clock = clock

    async def execute(self, settings: ResumeSettings = ResumeSettings()) -> int:
        """How many replacements it finished. A refusal (the stock ran out meanwhile, say) is logged
        for the operator and the round goes on; an outage propagates, for the next round."""
        unfinished = await self._uow.key_replacements.unfinished(settings.batch)
        await self._uow.rollback()
        cutoff = self._clock.now() - settings.grace
        finished = 0
        for replacement in unfinished:
            if replacement.updated_at > cutoff:
                continue
            try:
                await self._replace.resume(replacement.id, Actor.system(replacement.requested_by))
            except Refusal as exc:
                log.warning(
                    "order %s: key replacement %s not finished: %s", replacement.order_id, replacement.id, exc
                )
                continue
            finished += 1
            log.info(
                "order %s: key replacement %s finished by the reconciler",
                replacement.order_id,
                replacement.id,
            )
        return finished
