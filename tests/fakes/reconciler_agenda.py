"""`ReconcilerAgenda` over the committed state of a `MemoryDatabase`, through the fake repositories'
own reads, so it answers what each step would find."""

import sys
from datetime import datetime

from bitloot.application.ports.reconciler_agenda import OwedWork
from tests.fakes.state import MemoryDatabase
from tests.fakes.unit_of_work import InMemoryUnitOfWork


class MemoryReconcilerAgenda:
    def __init__(self, database: MemoryDatabase) -> None:
        self._database = database

    async def owed(
        self, requests_touched_before: datetime, now: datetime, replacements_touched_by: datetime
    ) -> OwedWork:
        uow = InMemoryUnitOfWork(self._database)
        replacements = await uow.key_replacements.unfinished(sys.maxsize)
        return OwedWork(
            fulfillments=bool(await uow.fulfillment_requests.due(requests_touched_before, now, 1)),
            replacements=any(r.updated_at <= replacements_touched_by for r in replacements),
            emails=bool(await uow.emails.due(now, 1)),
        )
