"""Key reports: a customer says a delivered key does not work (docs/stock-integrity.md).

A report names one sealed key of the customer's order and carries their message; it stays `open`
until the operator replaces the key (`replaced`) or dismisses the report (`dismissed`) with a note.
A key has at most one open report at a time. A report never holds a key.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Final

from bitloot.domain.errors import InvalidValue

MAX_MESSAGE_LENGTH: Final = 1000
MAX_NOTE_LENGTH: Final = 300


class KeyReportStatus(StrEnum):
    OPEN = "open"
    REPLACED = "replaced"
    DISMISSED = "dismissed"


def report_message(text: str) -> str:
    """The customer's message, trimmed: 1 to `MAX_MESSAGE_LENGTH` characters."""
    message = text.strip()
    if not message or len(message) > MAX_MESSAGE_LENGTH:
        raise InvalidValue(f"Please describe the problem in 1 to {MAX_MESSAGE_LENGTH} characters.")
    return message


def resolution_note(text: str) -> str:
    """The operator's note or reason, trimmed: 1 to `MAX_NOTE_LENGTH` characters."""
    note = text.strip()
    if not note or len(note) > MAX_NOTE_LENGTH:
        raise InvalidValue(f"A note or reason is 1 to {MAX_NOTE_LENGTH} characters.")
    return note


@dataclass(frozen=True, slots=True)
class KeyReport:
    id: str
    order_id: str
    item_id: str
    sealed_key_id: str
    message: str
    created_at: datetime
    status: KeyReportStatus = KeyReportStatus.OPEN
    resolved_at: datetime | None = None
    # The actor label of who resolved it (an operator's email, "admin token").
    resolved_by: str | None = None
    resolution_note: str | None = None

    def __post_init__(self) -> None:
        if self.message != report_message(self.message):
            raise InvalidValue("A report's message is stored trimmed.")

    @property
    def is_open(self) -> bool:
        return self.status is KeyReportStatus.OPEN

    def resolve(self, status: KeyReportStatus, by: str, note: str, now: datetime) -> "KeyReport":
        """The report closed as `replaced` or `dismissed`; only an open report is resolved."""
        if not self.is_open:
            raise InvalidValue(f"This report is already {self.status}.")
        if status is KeyReportStatus.OPEN:
            raise InvalidValue("A report is resolved as replaced or dismissed.")
        return replace(
            self, status=status, resolved_at=now, resolved_by=by[:254], resolution_note=note[:MAX_NOTE_LENGTH]
        )
