"""The reconciler's agenda (the `ReconcilerAgenda` port): three EXISTS in one statement on a
read-only connection, built from the very queries each step reads its work with."""

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bitloot.adapters.persistence.sqla.engine import read_only_engine
from bitloot.adapters.persistence.sqla.repositories.email_outbox import due_emails
from bitloot.adapters.persistence.sqla.repositories.fulfillment_requests import due_requests
from bitloot.adapters.persistence.sqla.tables.email_outbox import EMAIL_OUTBOX
from bitloot.adapters.persistence.sqla.tables.key_reports import KEY_REPLACEMENTS
from bitloot.application.ports.reconciler_agenda import OwedWork
from bitloot.domain.key_replacement import ReplacementState


class SqlReconcilerAgenda:
    """One round trip on PostgreSQL (autocommit), where the steps' own reads take three each."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = read_only_engine(engine)

    async def owed(
        self, requests_touched_before: datetime, now: datetime, replacements_touched_by: datetime
    ) -> OwedWork:
        replacements = select(KEY_REPLACEMENTS.c.id).where(
            KEY_REPLACEMENTS.c.state == ReplacementState.REQUESTED.value,
            KEY_REPLACEMENTS.c.updated_at <= replacements_touched_by,
        )
        query = select(
            exists(due_requests(requests_touched_before, now)),
            exists(replacements),
            exists(select(EMAIL_OUTBOX.c.id).where(*due_emails(now))),
        )
        async with self._engine.connect() as connection:
            fulfillments, owed_replacements, emails = (await connection.execute(query)).one()
        return OwedWork(bool(fulfillments), bool(owed_replacements), bool(emails))
