"""Key replacement: the operator swaps a delivered key that does not work for a new unit
(docs/stock-integrity.md).

A replacement is written first (`requested`) and its id keys the supplier step, so running it again
after a crash takes the same unit instead of a second one. Its completion (the new key recorded, the
old one revoked, the replacement `done`, the email owed) commits in one transaction. A replacement
that can no longer happen (the stock ran out between the check and the allocation) is `failed`, with
the reason, and frees the old key for a later replacement.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class ReplacementState(StrEnum):
    REQUESTED = "requested"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class KeyReplacement:
    id: str
    order_id: str
    item_id: str
    product_id: str
    old_key_id: str
    # The operator's reason (short, no secrets).
    reason: str
    requested_by: str
    created_at: datetime
    updated_at: datetime
    state: ReplacementState = ReplacementState.REQUESTED
    # The report it answers, if it came from one.
    report_id: str | None = None
    # The sealed key recorded for it, once done.
    new_key_id: str | None = None
    failure_reason: str | None = None

    @property
    def is_live(self) -> bool:
        """Requested or done: the old key has this replacement and no other."""
        return self.state is not ReplacementState.FAILED

    def done(self, new_key_id: str, now: datetime) -> "KeyReplacement":
        return replace(self, state=ReplacementState.DONE, new_key_id=new_key_id, updated_at=now)

    def failed(self, reason: str, now: datetime) -> "KeyReplacement":
        return replace(self, state=ReplacementState.FAILED, failure_reason=reason[:200], updated_at=now)
