"""Application errors: what a use case can answer besides a domain rule, typed for what happened.

- A `Refusal` (see `bitloot.domain.errors`): the request is answered no on its merits.
- `Unavailable`: something the service depends on (key storage, a supplier, the job queue, the payment
  provider) could not be asked or failed; the same request may succeed later.
- `ConcurrencyConflict`: the transaction lost a race; retry from a fresh read.
- `EmailNotSent`: a send that failed, for now or (`EmailRejected`) for good.
"""

from bitloot.domain.errors import BitLootError, Refusal

# Refusals.


class NotFound(Refusal):
    """Also the answer to a wrong access token: the two must be indistinguishable."""

    message = "Not found."


class InvalidSignature(Refusal):
    message = "The signature is not valid."


class MalformedNotification(Refusal):
    message = "The notification is not valid JSON of the expected shape."


class InvalidDeliveryLink(Refusal):
    message = "This delivery link is not valid or has expired."


class DeliveryLinkExpired(InvalidDeliveryLink):
    """A link this shop signed whose time is up: its page offers to email a fresh one to the order's
    own address (a forged link gets no such offer)."""

    message = "This delivery link has expired."


class InvalidOrderPageLink(Refusal):
    message = "This order link is not valid or has expired."


class Conflict(Refusal):
    message = "This conflicts with what exists."


class RevealAlreadyShown(Conflict):
    """A reveal asked for once the order's reveal count had moved past the one it was allowed at:
    the keys page's reload or back button, which never reveals again (docs/vault.md)."""

    message = "These keys were shown already; press the reveal button again to see them."


class TooManyRequests(Refusal):
    """A rate limit was reached; it opens again after `retry_after` seconds."""

    message = "Too many requests; try again later."

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SupplierRefused(Refusal):
    """The supplier will never deliver this item (refused or canceled the order, sent an unreadable
    key): the fulfilment fails with this reason, for the operator."""

    message = "The supplier cannot deliver this item."


class NoSupplierConfigured(Refusal):
    """The product comes from a supplier this deployment does not run (Kinguin without an API key,
    say): the fulfilment fails with this reason, where the operator sees it."""

    message = "No supplier is configured for this product."


# A lost race.


class ConcurrencyConflict(BitLootError):
    """A save lost a race with another transaction; retry from a fresh read."""

    message = "The record changed meanwhile."


# Outages.


class Unavailable(BitLootError):
    """Something the service depends on could not be asked, or failed: nothing was refused, and the
    same request may succeed once it is back. The message names no host, key or credential."""

    message = "A service this request needs is unavailable."


class StorageUnavailable(Unavailable):
    message = "Key storage is unavailable."


class SupplierUnavailable(Unavailable):
    message = "The key supplier is unavailable."


class KeysNotReady(SupplierUnavailable):
    """The supplier took the order but its keys are still pending: retry later (docs/suppliers.md)."""

    message = "The supplier's keys are not ready yet."


class QueueUnavailable(Unavailable):
    message = "The job queue is unavailable."


class PaymentProviderUnavailable(Unavailable):
    """The payment provider could not be reached, failed, or refused our request. The message never
    holds an API key or the provider's raw answer."""

    message = "The payment provider is unavailable; please try again shortly."


# Email.


class EmailNotSent(BitLootError):
    """The mail server could not be reached or refused the message. The message (a short reason such
    as "connection refused" or "SMTP 550") never holds a password, a link token or a key. Temporary,
    unless it is an `EmailRejected`."""

    message = "The email could not be sent."


class EmailRejected(EmailNotSent):
    """The mail server refused this email for good (a 5xx reply to its recipient or its content), or
    the address can never be written: sending it again cannot succeed. Any other `EmailNotSent`
    is temporary. The message is as safe as its parent's: a code and the server's words, never a link."""

    message = "The mail server refused the email for good."
