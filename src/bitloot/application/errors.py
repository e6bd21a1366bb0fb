"""Application errors: what a use case can answer besides a domain rule."""

from bitloot.domain.errors import DomainError


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


class Conflict(ApplicationError):
    message = "This conflicts with what exists."


class QueueUnavailable(ApplicationError):
    message = "The job queue is unavailable."
