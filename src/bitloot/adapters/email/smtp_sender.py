"""The production email_sender: a customer email over SMTP (aiosmtplib), never a key.

Configured by `BITLOOT_SMTP_URL` (see `SmtpSettings.parse`). Every network step is bounded (10 s by
default) and a whole send is bounded too; any failure becomes `EmailNotSent` with a short reason
that holds no password and no link. A 5xx reply to the recipient or to the message is a refusal for
good (`EmailRejected`); a 4xx reply, a refusal of our greeting, login or sender address and every
connection failure are temporary. Only replies to the recipient or the message bring the server's
words into the reason, with anything like a link or a token taken out.

The message is the rendered email (`EmailRenderer`) as multipart/alternative: plain text and HTML,
from the shop's name at the `from` address, replies going to the support address when there is one.
Each email carries the same `Message-ID` whenever it is sent, so in the rare case of a resend
(a crash after the server accepted the message and before it was recorded as sent) many mail systems
recognise the copy.
"""

import asyncio
import re
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, formatdate
from typing import Final
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from bitloot.application.errors import EmailNotSent, EmailRejected
from bitloot.application.ports.email_sender import OutgoingEmail
from bitloot.domain.delivery_email import DeliveryEmailKind

DEFAULT_TIMEOUT_SECONDS: Final = 10.0
# A send is a connection, a greeting, maybe STARTTLS and a login, and the message: a few steps, each
# bounded by the timeout; the whole send by this many of them.
_WHOLE_SEND_STEPS: Final = 3
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")
# What is kept of the server's words: a link, or a run of characters as long as a token, is taken out.
_LINKISH = re.compile(r"\S*(?:://|www\.|\.[a-z]{2,}/)\S*", re.IGNORECASE)
_OPAQUE = re.compile(r"\S{32,}")
_SERVER_WORDS_LENGTH: Final = 120


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    # smtps://: TLS from the first byte.
    implicit_tls: bool = False
    # True: STARTTLS required; False: never; None: when the server offers it.
    start_tls: bool | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def parse(cls, url: str) -> "SmtpSettings":
        """`smtp://user:pass@host:port?starttls=true&from=shop@example.com` or `smtps://...`
        (user, password and port optional; port 25 for smtp, 465 for smtps; `from` required).

        Raises `ValueError` with a message that never repeats the URL (it may hold the password)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("it is smtp://... or smtps://...")
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            raise ValueError(
                "the port is not a number from 1 to 65535 (percent-encode any of :/?#@ in the user name "
                "and password)"
            ) from None
        if not host:
            raise ValueError("it names no host")
        query = {name.lower(): values[-1] for name, values in parse_qs(parts.query).items()}
        sender = query.get("from", "").strip()
        if not _is_address(sender):
            raise ValueError("it needs the sender address as ?from=shop@example.com")
        start_tls = _flag(query.get("starttls"))
        implicit_tls = parts.scheme == "smtps"
        if implicit_tls and start_tls:
            raise ValueError("smtps:// already uses TLS: leave out starttls=true")
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        if password is not None and username is None:
            raise ValueError("a password needs a user name")
        return cls(
            host=host,
            port=port or (465 if implicit_tls else 25),
            sender=sender,
            username=username,
            password=password,
            implicit_tls=implicit_tls,
            start_tls=False if implicit_tls else start_tls,
        )


class SmtpEmailSender:
    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings

    async def send(self, email: OutgoingEmail) -> None:
        """Returns once the server accepted the message; raises `EmailNotSent` otherwise."""
        settings = self._settings
        try:
            message = smtp_message(settings.sender, email)
        except (ValueError, IndexError):
            raise EmailRejected("invalid recipient address") from None
        try:
            async with asyncio.timeout(settings.timeout_seconds * _WHOLE_SEND_STEPS):
                await aiosmtplib.send(
                    message,
                    hostname=settings.host,
                    port=settings.port,
                    username=settings.username,
                    password=settings.password,
                    use_tls=settings.implicit_tls,
                    start_tls=settings.start_tls,
                    timeout=settings.timeout_seconds,
                )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            failure = EmailRejected if _refused_for_good(exc) else EmailNotSent
            raise failure(_reason(exc)) from None

    def __repr__(self) -> str:
        return f"SmtpEmailSender({self._settings!r})"


def smtp_message(sender: str, outgoing: OutgoingEmail) -> EmailMessage:
    """The rendered email as a message: text, then HTML (what a client shows when it can), with the
    delivery link's expiry in `X-BitLoot-Link-Expires` when it carries one; never a key."""
    email, rendered = outgoing.email, outgoing.rendered
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = formataddr((" ".join(email.shop.name.split()), sender))
    message["To"] = email.recipient
    if email.shop.support_email:
        message["Reply-To"] = email.shop.support_email
    message["Date"] = formatdate(localtime=False, usegmt=True)
    # The delivery email keeps the id it always had; every other email has its own.
    first = email.kind is DeliveryEmailKind.ORDER_FULFILLED
    message_key = f"order-{email.order_id}" if first else f"email-{email.email_id}"
    message["Message-ID"] = f"<bitloot-{message_key}@{_domain(sender)}>"
    if email.delivery_link is not None:
        message["X-BitLoot-Link-Expires"] = format_datetime(email.delivery_link.expires_at, usegmt=True)
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


def _refused_for_good(exc: BaseException) -> bool:
    """A 5xx reply to the recipient (every recipient, for `SMTPRecipientsRefused`) or to the message.
    A 5xx to the greeting, the login or the sender address is about our configuration, not this email:
    temporary, like every 4xx, so fixing the configuration sends what is owed."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(_permanent(refused.code) for refused in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
        return _permanent(exc.code)
    return False


def _permanent(code: int) -> bool:
    return 500 <= code <= 599


def _reason(exc: BaseException) -> str:
    """A short reason for the outbox row, the log and the operator: a class name and an SMTP code, and
    for a reply to the recipient or the message the server's words (made safe by `_server_words`)."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        first = exc.recipients[0]
        return f"{type(exc).__name__}: SMTP {first.code} {_server_words(first.message)}".rstrip()
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
        return f"{type(exc).__name__}: SMTP {exc.code} {_server_words(exc.message)}".rstrip()
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"{type(exc).__name__}: SMTP {exc.code}"
    if isinstance(exc, TimeoutError | aiosmtplib.SMTPTimeoutError):
        return "the mail server did not answer in time"
    if isinstance(exc, ConnectionRefusedError | aiosmtplib.SMTPConnectError):
        return f"could not connect to the mail server ({type(exc).__name__})"
    return type(exc).__name__


def _server_words(text: str) -> str:
    """The server's reply text on one short line, without links or token-like runs: a server may
    quote a help URL, and nothing in the reason may ever be a link or a token."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text)
    words = " ".join(_OPAQUE.sub("[...]", _LINKISH.sub("[link]", printable)).split())
    return words if len(words) <= _SERVER_WORDS_LENGTH else words[: _SERVER_WORDS_LENGTH - 3] + "..."


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "bitloot.invalid"


def _is_address(text: str) -> bool:
    try:
        address = Address(addr_spec=text)
    except (ValueError, IndexError):
        return False
    return bool(address.username and address.domain)


def _flag(value: str | None) -> bool | None:
    if value is None:
        return None
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ValueError("starttls is true or false")
