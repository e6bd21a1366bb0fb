"""Domain errors. Each carries a class-level default message that is safe to show a customer."""


class DomainError(Exception):
    """A business rule was broken."""

    message = "A business rule was broken."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class InvalidValue(DomainError):
    message = "A value is not valid."


class IllegalTransition(DomainError):
    message = "The order cannot move to that state."


class OutOfStock(DomainError):
    message = "Not enough keys in stock."


class NotFulfilledYet(DomainError):
    message = "The order is not fulfilled yet."


class RevealsBlocked(DomainError):
    message = "The keys of this order are no longer available."


class KeyPurged(RevealsBlocked):
    """The key was crypto-shredded (`bitloot keys purge`): its blob and wrapped data key are gone."""

    message = "This key was purged after the retention period."


class KeyIntegrityError(DomainError):
    """A sealed key failed to open: tampered, truncated, swapped or wrapped under an unknown key."""

    message = "The key could not be opened. Support has been notified."
