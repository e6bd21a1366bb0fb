"""Application errors: what a use case can answer besides a domain rule."""

from bitloot.domain.errors import DomainError, OutOfStock


class ApplicationError(DomainError):
    message = "The request could not be completed."


class NotFound(ApplicationError):
    """Also the answer to a wrong access token: the two must be indistinguishable."""

    message = "Not found."


class InvalidSignature(ApplicationError):
    message = "The signature is not valid."


class MalformedNotification(ApplicationError):
    message = "The notification is not valid JSON of the expected shape."


class InvalidDeliveryLink(ApplicationError):
    message = "This delivery link is not valid or has expired."


class ConcurrencyConflict(ApplicationError):
    """A save lost a race with another transaction; retry from a fresh read."""

    message = "The record changed meanwhile."


class StorageUnavailable(ApplicationError):
    message = "Key storage is unavailable."


class SupplierUnavailable(ApplicationError):
    message = "The key supplier is unavailable."


class KeysNotReady(SupplierUnavailable):
    """The supplier took the order but its keys are still pending: retry later (SPEC §7)."""

    message = "The supplier's keys are not ready yet."


class SupplierRefused(OutOfStock):
    """The supplier will never deliver this item (refused or canceled the order, sent an unreadable
    key): the fulfilment fails with this reason, for the operator."""

    message = "The supplier cannot deliver this item."


class Conflict(ApplicationError):
    message = "This conflicts with what exists."


class TooManyRequests(ApplicationError):
    """A rate limit was reached; it opens again after `retry_after` seconds."""

    message = "Too many requests; try again later."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QueueUnavailable(ApplicationError):
    message = "The job queue is unavailable."


class PaymentProviderUnavailable(ApplicationError):
    """The payment provider could not be reached, failed, or refused our request. The message never
    holds an API key or the provider's raw answer."""

    message = "The payment provider is unavailable; please try again shortly."


class EmailNotSent(ApplicationError):
    """The mail server could not be reached or refused the message. The message (a short reason such
    as "connection refused" or "SMTP 550") never holds a password, a link token or a key."""

    message = "The email could not be sent."


class EmailRejected(EmailNotSent):
    """The mail server refused this email for good (a 5xx reply to its recipient or its content), or
    the address can never be written: sending it again cannot succeed. Any other `EmailNotSent`
    is temporary. The message is as safe as its parent's: a code and the server's words, never a link."""

    message = "The mail server refused the email for good."
