"""Who is signed in: the `console` dependency every page but the sign-in form takes, and the answers
for those who are not (a redirect to the sign-in form) or whose role may not (a 403 page)."""

from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.response import Redirect

from bitloot.application.use_cases.resolve_session import ResolveSession
from bitloot.domain.operator_audit import Actor, ActorKind
from bitloot.entrypoints.http.client_address import ClientAddresses
from bitloot.entrypoints.http.console.cookies import SESSION_COOKIE, cleared, session_token
from bitloot.entrypoints.http.console.csrf import CsrfTokens
from bitloot.entrypoints.http.console.current import Console, NotPermitted
from bitloot.entrypoints.http.console.paths import CONSOLE, LOGIN, safe_next
from bitloot.entrypoints.http.console.rendering import render


class SignInRequired(Exception):
    """No live session: answered with a redirect to the sign-in form, back to `next` after."""

    def __init__(self, next_path: str) -> None:
        super().__init__("sign-in required")
        self.next_path = next_path


async def signed_in(request: Request[Any, Any, Any]) -> Console:
    """The signed-in operator, or `SignInRequired` (signed out, expired, revoked, disabled)."""
    container = request.state.dishka_container
    resolve: ResolveSession = await container.get(ResolveSession)
    current = await resolve.execute(session_token(request))
    if current is None:
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(back if request.method == "GET" else CONSOLE)
    addresses: ClientAddresses = await container.get(ClientAddresses)
    tokens: CsrfTokens = await container.get(CsrfTokens)
    operator = current.operator
    actor = Actor(ActorKind.OPERATOR, operator.email, operator.id, addresses.of(request))
    return Console(operator, current.session, actor, tokens.for_session(current.session.id))


def to_sign_in(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    target = safe_next(exc.next_path)
    location = LOGIN if target == CONSOLE else f"{LOGIN}?next={quote(target, safe='/')}"
    cookies = [cleared(request, SESSION_COOKIE)] if session_token(request) else []
    return Redirect(location, status_code=303, cookies=cookies)


def not_permitted(request: Request[Any, Any, Any], exc: NotPermitted) -> Response[str]:
    return render(
        request,
        "console/forbidden.html.j2",
        {"title": "Not for your role"},
        console=exc.console,
        status_code=403,
    )
