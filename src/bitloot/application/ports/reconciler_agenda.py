"""What a reconciler round has to do, asked in one read before any of it is done."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class OwedWork:
    """Whether each step of the round would find anything to do."""

    fulfillments: bool
    replacements: bool
    emails: bool


ALL_OWED = OwedWork(fulfillments=True, replacements=True, emails=True)


class ReconcilerAgenda(Protocol):
    async def owed(
        self, requests_touched_before: datetime, now: datetime, replacements_touched_by: datetime
    ) -> OwedWork:
        """In a single read that leaves no transaction open, as of one moment: whether any fulfilment
        request is `due(requests_touched_before, now)`, any key replacement is `requested` and
        untouched since `replacements_touched_by` (inclusive), and any email is `due(now)`. A flag is
        false only when that step's own read, at the same moment, would find nothing to do."""
        ...
