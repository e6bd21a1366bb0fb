"""How the NOWPayments adapter talks to NOWPayments: one `httpx.AsyncClient` per process, the API key
and the bearer token, time bounds, retries, and what a failed answer becomes.

Every request carries the header `x-api-key`. Each attempt may take 3 s to connect and 10 s to read;
at most 3 attempts, with a short exponential backoff and jitter. A request is sent again only when it
surely did not reach NOWPayments (the connection could not be opened, or no pooled connection was
free) or they answered 5xx or 429; after any other transport error (a timeout while reading, a
connection dropped after the request was sent) only an idempotent request is: a `POST /v1/invoice`
that may have arrived is never sent twice (`invoices`). Every failure ends as
`PaymentProviderUnavailable`.

The listing of an invoice's payments wants, besides the API key, a bearer JWT from `POST /v1/auth`
with the account's email and password; the token lives 5 minutes, so it is cached for 4 and fetched
again on a 401 (`authorized_get`).

Secrets. The API key, the password and the bearer token are never logged, never in a repr, an
exception message or an error body; a provider message is logged only with them masked.
"""

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Mapping
from typing import Any

import httpx

from bitloot.adapters.payments.nowpayments.canonical_json import parse_json
from bitloot.adapters.payments.nowpayments.settings import NowPaymentsSettings
from bitloot.application.errors import PaymentProviderUnavailable

log = logging.getLogger(__name__)

# The JWT of `/v1/auth` lives 5 minutes; use it for 4.
TOKEN_SECONDS = 240.0


class _Retry(Exception):
    """One attempt failed in a way worth another attempt; `reason` is safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NowPaymentsTransport:
    """Requests to NOWPayments' API, with the retries and time bounds above. `aclose()` it."""

    def __init__(
        self, settings: NowPaymentsSettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        if not settings.api_key:
            raise ValueError("The NOWPayments API key is empty.")
        self.settings = settings
        self._client = httpx.AsyncClient(
            base_url=settings.base_url.rstrip("/"),
            headers={"x-api-key": settings.api_key, "accept": "application/json"},
            timeout=httpx.Timeout(
                settings.read_seconds,
                connect=settings.connect_seconds,
                pool=settings.connect_seconds,
            ),
            follow_redirects=False,
            transport=transport,
        )
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"NowPaymentsTransport(base_url={self.settings.base_url!r}, api_key=<hidden>)"

    async def aclose(self) -> None:
        await self._client.aclose()

    async def send(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One request with up to `attempts` attempts; see the module docstring for what is retried.
        Returns the first answer that is neither 5xx nor 429; raises `PaymentProviderUnavailable`."""
        attempts = max(1, self.settings.attempts)
        for attempt in range(1, attempts + 1):
            try:
                return await self._attempt(method, path, idempotent, content, params, headers)
            except _Retry as failure:
                log.warning(
                    "NOWPayments %s %s failed (%s), attempt %d of %d",
                    method,
                    path,
                    failure.reason,
                    attempt,
                    attempts,
                )
            if attempt < attempts:
                delay = self.settings.backoff_seconds * 2 ** (attempt - 1)
                await asyncio.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not a secret
        raise PaymentProviderUnavailable()

    async def authorized_get(self, path: str, params: Mapping[str, str]) -> httpx.Response:
        """A GET with the bearer token; on 401 the token is fetched again, once."""
        response = await self._send_bearer(path, params, await self._bearer(force=False))
        if response.status_code == httpx.codes.UNAUTHORIZED:
            response = await self._send_bearer(path, params, await self._bearer(force=True))
        return response

    def expect_success(self, response: httpx.Response, route: str) -> None:
        """Nothing for a 2xx; otherwise the provider's message is logged, masked, and the call fails."""
        if response.is_success:
            return
        log.warning(
            "NOWPayments %s answered %d: %s", route, response.status_code, self._provider_message(response)
        )
        raise PaymentProviderUnavailable()

    async def _send_bearer(self, path: str, params: Mapping[str, str], token: str) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"}
        return await self.send("GET", path, params=params, headers=headers, idempotent=True)

    async def _bearer(self, *, force: bool) -> str:
        async with self._token_lock:
            if not force and self._token is not None and time.monotonic() < self._token_expires:
                return self._token
            self._token = None
            credentials = {"email": self.settings.email, "password": self.settings.password}
            # Fetching a token changes nothing on their side: retried like a read.
            response = await self.send(
                "POST",
                "/v1/auth",
                content=json.dumps(credentials).encode(),
                headers={"content-type": "application/json"},
                idempotent=True,
            )
            self.expect_success(response, "POST /v1/auth")
            token = json_object(response, "POST /v1/auth").get("token")
            if not isinstance(token, str) or not token:
                log.warning("NOWPayments POST /v1/auth: the answer has no token")
                raise PaymentProviderUnavailable()
            self._token, self._token_expires = token, time.monotonic() + TOKEN_SECONDS
            return token

    async def _attempt(
        self,
        method: str,
        path: str,
        idempotent: bool,
        content: bytes | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        try:
            response = await self._client.request(
                method, path, content=content, params=params, headers=headers
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # The request never left: safe to send again, whatever it is.
            raise _Retry(type(exc).__name__) from None
        except httpx.TransportError as exc:
            if idempotent:
                raise _Retry(type(exc).__name__) from None
            # It may have arrived (read timeout, connection dropped after sending): never sent twice.
            log.warning("NOWPayments %s %s failed (%s); not retried", method, path, type(exc).__name__)
            raise PaymentProviderUnavailable() from None
        if response.status_code >= httpx.codes.INTERNAL_SERVER_ERROR:
            raise _Retry(f"HTTP {response.status_code}")
        if response.status_code == httpx.codes.TOO_MANY_REQUESTS:
            raise _Retry("HTTP 429")
        return response

    def _provider_message(self, response: httpx.Response) -> str:
        """The provider's own `message`, short and with our secrets masked, for the log only."""
        message = ""
        with contextlib.suppress(ValueError):
            body = parse_json(response.content)
            if isinstance(body, dict) and isinstance(body.get("message"), str):
                message = body["message"]
        message = message[:200]
        for secret in (self.settings.api_key, self.settings.password, self._token):
            if secret:
                message = message.replace(secret, "<hidden>")
        return message or "(no message)"


def json_object(response: httpx.Response, route: str) -> Mapping[str, Any]:
    """The answer as JavaScript reads it (`parse_json`, nesting capped): amounts and ids are read from
    this one value, by the rules of `payload`, and a dedupe key is taken over its canonical form."""
    try:
        answer = parse_json(response.content)
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        log.warning("NOWPayments %s: the answer is not a JSON object", route)
        raise PaymentProviderUnavailable()
    return answer
