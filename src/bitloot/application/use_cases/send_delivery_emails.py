"""Send the emails the email outbox holds: links and what the order needs, never a key (docs/README.md
step 5).

Runs right after a fulfilment commits or fails (in the same job, best effort) and in every reconciler
round, so an email is sent once the mail server answers again, whatever crashed or failed meanwhile.

What an email says is gathered when it is sent (`EmailComposer`: product names, total, a fresh
delivery link for the kinds that carry one, the order page link, where to pay and how much is missing)
and put into words by the `EmailRenderer`. The job's path (`execute_for_orders`, one order or the
batch a worker fulfilled together) claims the emails of all its orders in one statement and reads what
they are about in a few for all, right after; a reconciler round claims and reads each email as its
turn comes. Either way each email is marked sent in a transaction of its own.

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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bitloot.application.email_composer import EmailComposer, EmailFacts
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
        """Send what is due: a round's batch of emails, or only those of `order_id`
        (`execute_for_orders`).

        A round reads the batch of the longest due and claims each as its turn comes, so the rest of
        a stopped round is due again at the next."""
        if order_id is not None:
            return await self.execute_for_orders([order_id])
        found = await self._uow.emails.due(self._clock.now(), self._settings.batch)
        # End the reading transaction (on SQLite it holds the database's write lock).
        await self._uow.rollback()
        return await self._send_all(found, claimed=False)

    async def execute_for_orders(self, order_ids: Sequence[str]) -> SendReport:
        """Send what is due of these orders (the fulfilment job's path, for one order or a batch):
        their emails are claimed in one statement, what they say is read in a few statements for all,
        and each is sent and marked sent in turn; those left untried when the run stops early are
        given back."""
        now = self._clock.now()
        try:
            taken = await self._uow.emails.claim_due_for_orders(order_ids, now, now + self._settings.lease)
            await self._uow.commit()
        except ConcurrencyConflict:
            await self._uow.rollback()
            return SendReport()  # another sender took them: theirs to send
        return await self._send_all(taken, claimed=True)

    async def _send_all(self, emails: list[DeliveryEmail], *, claimed: bool) -> SendReport:
        """Send `emails` in turn, claiming each first unless they are `claimed` already.

        Stops at the first temporary failure: the mail server is likely down, and the rest waits for
        the next round instead of each waiting out its timeout now. A refusal for good concerns that
        one email only, so the run goes on."""
        sent = given_up = 0
        read_for_all = await self._read(emails) if claimed else None
        for position, email in enumerate(emails):
            facts = read_for_all if claimed else await self._take(email)
            if facts is None:
                continue  # another sender took it
            with about_order(email.order_id):
                outcome = await self._send(email, facts)
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

    async def _take(self, email: DeliveryEmail) -> EmailFacts | None:
        """Claim one email of a round for a lease and read what it says; None when another sender
        took it (or sent it) since it was read."""
        if not await self._claim(email, self._clock.now() + self._settings.lease):
            return None
        return await self._read([email])

    async def _read(self, emails: list[DeliveryEmail]) -> EmailFacts:
        """What `emails` say, read now (so their news is current), in a transaction ended at once."""
        facts = await self._composer.read(self._uow, emails)
        await self._uow.rollback()
        return facts

    async def _send(self, email: DeliveryEmail, facts: EmailFacts) -> "_Outcome":
        # Its links are issued now, so they are fresh.
        content = self._composer.compose(facts, email, self._clock.now())
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
