"""Domain errors, typed for what happened. Each carries a class-level default message that is safe to
show a customer.

`BitLootError` is the root of every error this service raises on purpose; below it a `Refusal` says
the request was refused on its merits, and the application adds its own refusals, outages
(`Unavailable`) and lost races (`ConcurrencyConflict`) beside it. Code that decides what to do next
catches a named error or one of those kinds, never the root: an outage is never taken for a refusal.
"""


class BitLootError(Exception):
    """An error raised on purpose, with a message safe to show a customer. Only the edges (HTTP
    problem responses, the CLI) catch it as such, to show that message."""

    message = "The request could not be completed."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class Refusal(BitLootError):
    """The request was refused on its merits: a rule it breaks, a value or a state it meets, a
    credential or a limit. Sending it again now gets the same answer; nothing is down."""

    message = "A business rule was broken."


class InvalidValue(Refusal):
    message = "A value is not valid."


class IllegalTransition(Refusal):
    message = "The order cannot move to that state."


class OutOfStock(Refusal):
    """Too few units of an own-stock product are left (when the order is placed, or allocated)."""

    message = "Not enough keys in stock."


class NotFulfilledYet(Refusal):
    message = "The order is not fulfilled yet."


class RevealsBlocked(Refusal):
    message = "The keys of this order are no longer available."


class KeyPurged(RevealsBlocked):
    """The key was crypto-shredded (`bitloot keys purge`): its blob and wrapped data key are gone."""

    message = "This key was purged after the retention period."


class KeyIntegrityError(BitLootError):
    """A sealed key failed to open: tampered, truncated, swapped or wrapped under an unknown key.
    Neither a refusal of the request nor an outage: the stored key itself is damaged."""

    message = "The key could not be opened. Support has been notified."
