"""A real SMTP server (aiosmtpd) on a free 127.0.0.1 port inside the test process, keeping every
message it accepted. It can be started late (until then connections are refused), stopped, made to
refuse messages or recipients with an SMTP code, to require a login, or to stall without a greeting.

It serves from an event loop in a thread of its own, so it answers whichever loop or thread the code
under test runs in (Litestar's test client runs the app in a portal thread).
"""

import asyncio
import email.policy
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.infra.ports import free_ports

SENDER = "shop@bitloot.test"


@dataclass(frozen=True, slots=True)
class Captured:
    mail_from: str
    recipients: list[str]
    message: EmailMessage
    login: str | None

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None
        return str(part.get_content())

    @property
    def raw(self) -> str:
        return self.message.as_string()


class SmtpTestServer:
    def __init__(self, *, login: tuple[str, str] | None = None) -> None:
        [self.port] = free_ports(1)
        self.messages: list[Captured] = []
        # While above zero, each message is refused with `refuse_code` and `refuse_text` (and counted
        # down); `refused` counts the refusals, at DATA and at RCPT.
        self.refuse_next = 0
        self.refuse_code = 451
        self.refuse_text = "Try again later"
        self.refused = 0
        # Recipients refused at RCPT TO, each with `refuse_code` and `refuse_text`.
        self.refuse_recipients: set[str] = set()
        # Accept connections but never greet: the client must give up on its own timeout.
        self.stall = False
        self.logins: list[str] = []
        self._login = login
        self._server: asyncio.Server | None = None
        self._stalled: list[asyncio.StreamWriter] = []
        self._sessions: list[SMTP] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="smtp-test-server", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def start(self) -> None:
        self._run(self._start())

    def stop(self) -> None:
        self._run(self._stop())

    async def wait_for(self, count: int, within: float = 10.0) -> list["Captured"]:
        """The messages once at least `count` arrived; fails after `within` seconds."""
        deadline = time.monotonic() + within
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.messages)} of {count} emails arrived in {within}s")
            await asyncio.sleep(0.05)
        return list(self.messages)

    def _run(self, work: Coroutine[Any, Any, None]) -> None:
        asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout=10)

    def url(self, *, user: str | None = None, password: str | None = None) -> str:
        credentials = f"{user}:{password}@" if user is not None else ""
        return f"smtp://{credentials}127.0.0.1:{self.port}?from={SENDER}&starttls=false"

    @property
    def running(self) -> bool:
        return self._server is not None

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        if self.stall:
            self._server = await asyncio.start_server(self._hold, "127.0.0.1", self.port)
            return
        self._server = await loop.create_server(self._protocol, "127.0.0.1", self.port)

    async def _stop(self) -> None:
        """Stop listening and drop every open connection, leaving no task or socket behind."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in self._stalled:
            writer.close()
        self._stalled.clear()
        for session in self._sessions:
            if session.transport is not None:
                session.transport.close()
        self._sessions.clear()
        handlers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        if server is not None:
            await server.wait_closed()
        await asyncio.sleep(0)

    def _protocol(self) -> SMTP:
        session = SMTP(
            self,
            hostname="smtp.bitloot.test",
            timeout=30,
            # Not `auth_required`: aiosmtpd warns about it without TLS. The client logs in anyway when
            # it has credentials, and a wrong password is refused (535).
            auth_require_tls=False,
            authenticator=self._authenticate if self._login is not None else None,
        )
        self._sessions.append(session)
        return session

    async def _hold(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._stalled.append(writer)

    def _authenticate(
        self, _server: SMTP, _session: Session, _envelope: Envelope, _mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword) or self._login is None:
            return AuthResult(success=False, handled=False)
        given = (data.login.decode(), data.password.decode())
        if given != self._login:
            return AuthResult(success=False, handled=False)
        self.logins.append(given[0])
        return AuthResult(success=True, auth_data=given[0])

    async def handle_RCPT(  # noqa: N802
        self, _server: SMTP, _session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse_recipients:
            self.refused += 1
            return f"{self.refuse_code} {self.refuse_text}"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, _server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.refuse_next > 0:
            self.refuse_next -= 1
            self.refused += 1
            return f"{self.refuse_code} {self.refuse_text}"
        content = envelope.original_content or b""
        message = BytesParser(policy=email.policy.default).parsebytes(content)
        assert isinstance(message, EmailMessage)
        self.messages.append(
            Captured(
                mail_from=envelope.mail_from or "",
                recipients=list(envelope.rcpt_tos),
                message=message,
                login=session.auth_data if isinstance(session.auth_data, str) else None,
            )
        )
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(*, login: tuple[str, str] | None = None, started: bool = True) -> Iterator[SmtpTestServer]:
    server = SmtpTestServer(login=login)
    try:
        if started:
            server.start()
        yield server
    finally:
        server.close()
