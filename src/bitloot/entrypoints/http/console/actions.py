"""A console action: the handler of one form's POST (docs/console.md). The form's CSRF token was
checked before the handler runs (csrf.py). `act` asks the operator's role first (a 403 page), runs
the use case, which audits the action as `console.actor`, and answers with a 303 to the page that
says what was done (`?done=<code>`, so a reload posts nothing again), or with the page it names (a
report). A refusal is shown on a page with its reason and its status (refusals.py), nothing changed."""

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from litestar import Response
from litestar.response import Redirect

from bitloot.domain.errors import BitLootError, Refusal
from bitloot.domain.operators import Permission
from bitloot.entrypoints.http.console.current import Console
from bitloot.entrypoints.http.console.refusals import refusal_status

T = TypeVar("T")


class ErrorPage(Protocol):
    """The page a refused action shows: its form again, or a page of its own, with the reason."""

    def __call__(self, *, error: str, status_code: int) -> Awaitable[Response[str]]: ...


async def act(
    console: Console,
    permission: Permission,
    action: Callable[[], Awaitable[T]],
    *,
    refused: ErrorPage,
    then: Callable[[T], str | Response[str]],
    catching: tuple[type[BitLootError], ...] = (Refusal,),
) -> Response[Any]:
    """Runs `action` if the operator's role has `permission`. What it answers goes to `then`: a
    path to redirect to, or a page to show. An error of the `catching` kinds is shown on `refused`;
    any other propagates."""
    console.require(permission)
    try:
        done = await action()
    except catching as exc:
        return await refused(error=str(exc), status_code=refusal_status(exc))
    answer = then(done)
    return Redirect(answer, status_code=303) if isinstance(answer, str) else answer
