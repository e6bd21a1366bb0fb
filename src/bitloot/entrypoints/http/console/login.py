"""Signing in and out: `GET /console/login` (the form), `POST /console/login`, `POST /console/logout`."""

import secrets
from typing import Any

from dishka.integrations.litestar import FromDishka
from litestar import Request, Response, get, post
from litestar.response import Redirect

from bitloot.application.operator_errors import SignInRefused
from bitloot.application.use_cases.sign_in import SignIn
from bitloot.application.use_cases.sign_out import SignOut
from bitloot.entrypoints.http.client_address import ClientAddresses
from bitloot.entrypoints.http.console.cookies import (
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    cleared,
    console_cookie,
)
from bitloot.entrypoints.http.console.csrf import CsrfTokens
from bitloot.entrypoints.http.console.current import SignedIn
from bitloot.entrypoints.http.console.limits import SignInLimits
from bitloot.entrypoints.http.console.paths import LOGIN, LOGOUT, safe_next
from bitloot.entrypoints.http.console.rendering import render

MAX_FIELD = 1024


def _sign_in_form(
    request: Request[Any, Any, Any],
    tokens: CsrfTokens,
    *,
    email: str = "",
    next_path: str | None = None,
    error: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    nonce = request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(16)
    return render(
        request,
        "console/login.html.j2",
        {
            "title": "Sign in",
            "csrf_token": tokens.for_sign_in(nonce),
            "email": email,
            "next": safe_next(next_path),
            "error": error,
        },
        status_code=status_code,
        cookies=[console_cookie(request, PRE_SESSION_COOKIE, nonce)],
        headers=headers,
    )


@get(LOGIN, summary="Console sign-in form", include_in_schema=False)
async def login_page(request: Request[Any, Any, Any], tokens: FromDishka[CsrfTokens]) -> Response[str]:
    """The sign-in form (fields `email`, `password`), with its pre-session CSRF token."""
    return _sign_in_form(request, tokens, next_path=request.query_params.get("next"))


@post(LOGIN, summary="Sign in to the console", include_in_schema=False)
async def sign_in(
    request: Request[Any, Any, Any],
    use_case: FromDishka[SignIn],
    limits: FromDishka[SignInLimits],
    tokens: FromDishka[CsrfTokens],
    addresses: FromDishka[ClientAddresses],
) -> Response[Any]:
    """Checks the rate limits, then the password; on success sets the session cookie and goes to
    `next` (a console path) or the landing page. An unknown email, a disabled operator and a wrong
    password get one answer."""
    form = await request.form()
    email = str(form.get("email") or "")[:MAX_FIELD]
    password = str(form.get("password") or "")[:MAX_FIELD]
    next_path = str(form.get("next") or "")
    client_ip = addresses.of(request)
    retry_after = await limits.admit(client_ip, email)
    if retry_after is not None:
        return _sign_in_form(
            request,
            tokens,
            email=email,
            next_path=next_path,
            error=f"Too many sign-in attempts; try again in {retry_after} seconds.",
            status_code=429,
            headers={"Retry-After": str(retry_after)},
        )
    try:
        signed = await use_case.execute(email, password, client_ip)
    except SignInRefused as exc:
        return _sign_in_form(
            request, tokens, email=email, next_path=next_path, error=str(exc), status_code=401
        )
    return Redirect(
        safe_next(next_path),
        status_code=303,
        cookies=[
            console_cookie(request, SESSION_COOKIE, signed.token),
            cleared(request, PRE_SESSION_COOKIE),
        ],
    )


@post(LOGOUT, summary="Sign out of the console", include_in_schema=False)
async def sign_out(
    request: Request[Any, Any, Any], console: SignedIn, use_case: FromDishka[SignOut]
) -> Response[Any]:
    """Ends the session in the database (its cookie signs no one in again) and clears the cookie."""
    await use_case.execute(console.session.id, console.actor)
    return Redirect(f"{LOGIN}?done=signed-out", status_code=303, cookies=[cleared(request, SESSION_COOKIE)])
