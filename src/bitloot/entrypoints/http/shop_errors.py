"""The pages a customer sees when a request of theirs is refused: in the shop's layout, with the
error's own safe message and the status of its kind (problems.py), and a way on where there is one."""

from http import HTTPStatus
from typing import Any

from litestar import Request
from litestar.response import Template

from bitloot.domain.errors import BitLootError
from bitloot.entrypoints.http.problems import STATUS_OF
from bitloot.entrypoints.http.shop_pages import shop_page

TITLES = {
    HTTPStatus.BAD_REQUEST: "That did not work",
    HTTPStatus.FORBIDDEN: "This form has expired",
    HTTPStatus.NOT_FOUND: "Not found",
    HTTPStatus.CONFLICT: "Not ready yet",
    HTTPStatus.GONE: "This link no longer works",
    HTTPStatus.TOO_MANY_REQUESTS: "Please wait a moment",
    HTTPStatus.INTERNAL_SERVER_ERROR: "Something went wrong",
    HTTPStatus.SERVICE_UNAVAILABLE: "Please try again soon",
}
FORM_REFUSED = (
    "This form was not sent from your delivery page, or the page is out of date. Nothing was changed: "
    "open the page again and use its button."
)
WAIT = "Too many requests in a short time. Please wait a minute, then try again."


def problem_page(
    request: Request[Any, Any, Any], status: HTTPStatus, message: str, *, back: str | None = None
) -> Template:
    """A refusal's page: `message` is shown as it is (escaped); `back` is a link on, if any."""
    return shop_page(
        request,
        "problem.html.j2",
        TITLES.get(status, "Sorry"),
        status_code=status.value,
        message=message,
        back=back,
    )


def error_page(request: Request[Any, Any, Any], exc: BitLootError, *, back: str | None = None) -> Template:
    """The page of a refused request: its safe message, with the status of its kind."""
    status = next((code for kind, code in STATUS_OF if isinstance(exc, kind)), HTTPStatus.BAD_REQUEST)
    return problem_page(request, status, str(exc), back=back)


def limited_page(request: Request[Any, Any, Any], retry_after: int, *, back: str | None = None) -> Template:
    """429 with `Retry-After`, as the JSON answers have it."""
    page = problem_page(request, HTTPStatus.TOO_MANY_REQUESTS, WAIT, back=back)
    page.headers["Retry-After"] = str(retry_after)
    return page


def form_refused_page(request: Request[Any, Any, Any], *, back: str) -> Template:
    """403 for a form sent without its page's CSRF token: nothing was done."""
    return problem_page(request, HTTPStatus.FORBIDDEN, FORM_REFUSED, back=back)
