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


class QueueUnavailable(ApplicationError):
    message = "The job queue is unavailable."


class PaymentProviderUnavailable(ApplicationError):
    """The payment provider could not be reached, failed, or refused our request. The message never
    holds an API key or the provider's raw answer."""

    message = "The payment provider is unavailable; please try again shortly."


class NotificationFailed(ApplicationError):
    """The mail server could not be reached or refused the message. The message (a short reason such
    as "connection refused" or "SMTP 550") never holds a password, a link token or a key."""

    message = "The notification could not be sent."
