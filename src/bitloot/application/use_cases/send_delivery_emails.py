"""Send the emails the email outbox holds: links and what the order needs, never a key (docs/README.md
step 5).

Runs right after a fulfilment commits or fails (in the same job, best effort) and in every reconciler
round, so an email is sent once the mail server answers again, whatever crashed or failed meanwhile.

What an email says is gathered when it is sent (`EmailComposer`: product names, total, a fresh
delivery link for the kinds that carry one, the order page link, where to pay and how much is missing)
and put into words by the `EmailRenderer`.

Each email of the outbox (an order received, underpaid or failed, its delivery email, an operator's
resend, a key replacement's, the customer's own requests) is sent exactly once, as far as SMTP allows: a
sender claims an email with a lease before sending, so two senders never send it at once, and marks it
sent in a transaction right after the mail server accepted the message. The one window left: a sender
that dies (or loses the database) after the server accepted the message and before that commit leaves
the email pending, and it is sent again once the lease expires. SMTP offers no way to ask whether a
message was delivered, so this is the rare duplicate we accept rather than ever losing an email.

A failed send is tried again with backoff, except when there is no point: an email the mail server
refused for good (`EmailRejected`, e.g. a 550 for its recipient), or one still failing `GIVE_UP_AFTER`
(3 days) after it was owed, is closed as `failed` with its last error, for the operator's order view.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bitloot.application.email_composer import EmailComposer
from bitloot.application.errors import ConcurrencyConflict, EmailNotSent, EmailRejected
from bitloot.application.log_context import about_order
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.email_renderer import EmailRenderer
from bitloot.application.ports.email_sender import EmailSender, OutgoingEmail
from bitloot.application.ports.links import DeliveryLinkSigner, OrderPageLinkSigner
from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.retry import in_transaction
from bitloot.domain.delivery_email import GIVE_UP_AFTER, DeliveryEmail, retry_delay, short_error
from bitloot.domain.shop import ShopIdentity

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeliveryEmailSettings:
    # Longer than one send may take (the SMTP adapter bounds a whole send well below this).
    lease: timedelta = timedelta(minutes=2)
    # At most this many emails per run.
    batch: int = 50


@dataclass(frozen=True, slots=True)
class SendReport:
    sent: int = 0
    # Failed sends that will be tried again.
    failed: int = 0
    # Failed sends given up for good (`DeliveryEmailStatus.FAILED`).
    given_up: int = 0


class _Outcome(Enum):
    SENT = "sent"
    RETRY = "retry"
    GIVEN_UP = "given_up"


class SendDeliveryEmails:
    def __init__(
        self,
        uow: UnitOfWork,
        links: DeliveryLinkSigner,
        order_pages: OrderPageLinkSigner,
        shop: ShopIdentity,
        renderer: EmailRenderer,
        email_sender: EmailSender,
        clock: Clock,
        settings: DeliveryEmailSettings,
    ) -> None:
        self._uow = uow
        self._composer = EmailComposer(links, order_pages, shop)
        self._renderer = renderer
        self._email_sender = email_sender
        self._clock = clock
        self._settings = settings

    async def execute(self, order_id: str | None = None) -> SendReport:
        """Send what is due: up to a batch of emails, or only those of `order_id`.

        Stops at the first temporary failure: the mail server is likely down, and the rest waits for
        the next round instead of each waiting out its timeout now. A refusal for good concerns that
        one email only, so the round goes on."""
        sent = given_up = 0
        emails, claimed = await self._work(order_id)
        for position, email in enumerate(emails):
            if not claimed and not await self._claim(email, self._clock.now() + self._settings.lease):
                continue
            with about_order(email.order_id):
                outcome = await self._send(email)
            if outcome is _Outcome.SENT:
                sent += 1
            elif outcome is _Outcome.GIVEN_UP:
                given_up += 1
            else:
                if claimed:
                    await self._give_back(emails[position + 1 :])
                return SendReport(sent=sent, failed=1, given_up=given_up)
        return SendReport(sent=sent, given_up=given_up)

    async def _give_back(self, emails: list[DeliveryEmail]) -> None:
        """Claimed and not tried: due again now, for the next round (a claim back to now, where the
        email is still as this run claimed it)."""
        now = self._clock.now()
        for email in emails:
            await self._claim(email, now)  # False: taken meanwhile (its lease lapsed), the taker's

    async def _work(self, order_id: str | None) -> tuple[list[DeliveryEmail], bool]:
        """The emails to send, and whether they are claimed already: those of `order_id` are taken
        in one step (the job's path: one email, mostly; those left untried when the run stops early
        are given back); a round's batch of the longest due is read, each claimed as its turn
        comes, so the rest of a stopped round is due again at the next."""
        now = self._clock.now()
        if order_id is not None:
            try:
                taken = await self._uow.emails.claim_due_for_order(order_id, now, now + self._settings.lease)
                await self._uow.commit()
            except ConcurrencyConflict:
                await self._uow.rollback()
                return [], True  # another sender took them: theirs to send
            return taken, True
        found = await self._uow.emails.due(now, self._settings.batch)
        # End the reading transaction (on SQLite it holds the database's write lock).
        await self._uow.rollback()
        return found, False

    async def _claim(self, email: DeliveryEmail, until: datetime) -> bool:
        """Hold the email until `until` (its new `next_attempt_at`: the end of a lease, or now to give
        it back), in a transaction of its own, where it is still as it was read; False when another
        sender took it (or sent it) since."""
        try:
            if await self._uow.emails.claim(email.id, email.next_attempt_at, until):
                await self._uow.commit()
                return True
        except ConcurrencyConflict:
            pass
        await self._uow.rollback()
        return False

    async def _send(self, email: DeliveryEmail) -> "_Outcome":
        # What it says is read now, so its links are fresh and its news current.
        content = await self._composer.compose(self._uow, email, self._clock.now())
        await self._uow.rollback()
        if content is None:
            await self._give_up(email, "its order is gone", "its order is gone")
            return _Outcome.GIVEN_UP
        try:
            await self._email_sender.send(OutgoingEmail(content, self._renderer.render(content)))
        except EmailNotSent as exc:
            error = short_error(str(exc))
            if isinstance(exc, EmailRejected):
                await self._give_up(email, error, "refused for good")
                return _Outcome.GIVEN_UP
            if email.is_overdue(self._clock.now()):
                await self._give_up(email, error, f"still failing after {GIVE_UP_AFTER.days} days")
                return _Outcome.GIVEN_UP
            await self._record_failure(email, error)
            return _Outcome.RETRY

        # Accepted by the mail server: record it at once (see the module docstring for the window).
        await in_transaction(self._uow, lambda: self._uow.emails.mark_sent(email.id, self._clock.now()))
        log.info("order %s: %s email sent", email.order_id, email.kind)
        return _Outcome.SENT

    async def _give_up(self, email: DeliveryEmail, error: str, why: str) -> None:
        now = self._clock.now()
        await in_transaction(self._uow, lambda: self._uow.emails.give_up(email.id, error, now))
        log.warning(
            "order %s: %s email given up, %s (attempt %d: %s)",
            email.order_id,
            email.kind,
            why,
            email.attempts + 1,
            error,
        )

    async def _record_failure(self, email: DeliveryEmail, error: str) -> None:
        failures = email.attempts + 1
        now = self._clock.now()
        retry_at = now + retry_delay(failures)
        await in_transaction(self._uow, lambda: self._uow.emails.mark_failed(email.id, error, retry_at, now))
        log.warning(
            "order %s: %s email failed (attempt %d: %s); next try at %s",
            email.order_id,
            email.kind,
            failures,
            error,
            retry_at.isoformat(timespec="seconds"),
        )
