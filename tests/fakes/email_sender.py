"""A email_sender that keeps what it would have sent."""

from dataclasses import dataclass, field

from bitloot.application.errors import EmailNotSent
from bitloot.application.ports.email_renderer import OrderEmail, RenderedEmail
from bitloot.application.ports.email_sender import OutgoingEmail
from bitloot.application.ports.links import DeliveryLink
from bitloot.domain.delivery_email import DeliveryEmailKind


@dataclass(frozen=True, slots=True)
class SentNotice:
    order_id: str
    email: str
    kind: DeliveryEmailKind
    content: OrderEmail = field(repr=False)
    rendered: RenderedEmail = field(repr=False)

    @property
    def link(self) -> DeliveryLink:
        """The delivery link of a kind that carries one."""
        assert self.content.delivery_link is not None, f"a {self.kind} email carries no delivery link"
        return self.content.delivery_link

    @property
    def order_page(self) -> DeliveryLink:
        return self.content.order_page

    @property
    def words(self) -> str:
        """Everything the customer reads: subject, text and HTML."""
        return "\n".join((self.rendered.subject, self.rendered.text, self.rendered.html))


class RecordingEmailSender:
    def __init__(self) -> None:
        self.sent: list[SentNotice] = []
        # Set to make every send fail as a mail server outage would.
        self.unavailable = False
        self.attempts = 0

    async def send(self, email: OutgoingEmail) -> None:
        self.attempts += 1
        if self.unavailable:
            raise EmailNotSent("connection refused")
        content = email.email
        self.sent.append(
            SentNotice(content.order_id, content.recipient, content.kind, content, email.rendered)
        )

    def of_kind(self, *kinds: DeliveryEmailKind) -> list[SentNotice]:
        return [notice for notice in self.sent if notice.kind in kinds]
