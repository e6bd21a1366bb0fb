"""Every error as RFC 9457 problem details, mapped in this one place. Bodies carry the error's own
safe message, never a stack trace, SQL or a secret."""

import logging
from http import HTTPStatus
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

from bitloot.application import errors as app
from bitloot.domain import errors as domain
from bitloot.entrypoints.http.request_observer import route_of

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

# Most specific first: the first class an error is an instance of decides its status.
STATUS_OF: tuple[tuple[type[Exception], HTTPStatus], ...] = (
    (app.NotFound, HTTPStatus.NOT_FOUND),
    (app.InvalidSignature, HTTPStatus.UNAUTHORIZED),
    (app.MalformedNotification, HTTPStatus.BAD_REQUEST),
    (app.InvalidDeliveryLink, HTTPStatus.GONE),
    (app.InvalidOrderPageLink, HTTPStatus.GONE),
    (app.TooManyRequests, HTTPStatus.TOO_MANY_REQUESTS),
    (app.Conflict, HTTPStatus.CONFLICT),
    (app.ConcurrencyConflict, HTTPStatus.CONFLICT),
    (app.StorageUnavailable, HTTPStatus.SERVICE_UNAVAILABLE),
    (app.QueueUnavailable, HTTPStatus.SERVICE_UNAVAILABLE),
    (app.SupplierUnavailable, HTTPStatus.SERVICE_UNAVAILABLE),
    (app.PaymentProviderUnavailable, HTTPStatus.SERVICE_UNAVAILABLE),
    (domain.KeyIntegrityError, HTTPStatus.INTERNAL_SERVER_ERROR),
    (domain.RevealsBlocked, HTTPStatus.GONE),
    (domain.NotFulfilledYet, HTTPStatus.CONFLICT),
    (domain.OutOfStock, HTTPStatus.CONFLICT),
    (app.SupplierRefused, HTTPStatus.CONFLICT),
    (app.NoSupplierConfigured, HTTPStatus.CONFLICT),
    (domain.IllegalTransition, HTTPStatus.CONFLICT),
    (domain.InvalidValue, HTTPStatus.BAD_REQUEST),
    (domain.BitLootError, HTTPStatus.BAD_REQUEST),
)


def problem(
    status: HTTPStatus, detail: str | None = None, headers: dict[str, str] | None = None
) -> Response[dict[str, object]]:
    body: dict[str, object] = {"type": "about:blank", "title": status.phrase, "status": status.value}
    if detail:
        body["detail"] = detail
    return Response(body, status_code=status.value, media_type=PROBLEM_JSON, headers=headers)


def service_error_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, object]]:
    status = next((code for kind, code in STATUS_OF if isinstance(exc, kind)), HTTPStatus.BAD_REQUEST)
    if isinstance(exc, app.TooManyRequests):
        return problem(status, str(exc), {"Retry-After": str(exc.retry_after)})
    return problem(status, str(exc))


def http_error_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, object]]:
    assert isinstance(exc, HTTPException)  # noqa: S101 - registered for HTTPException only
    status = HTTPStatus(exc.status_code)
    response = problem(status, exc.detail if exc.detail != status.phrase else None, exc.headers)
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        response.content["errors"] = [
            {"message": e.get("message"), "key": e.get("key")} for e in exc.extra if isinstance(e, dict)
        ]
    return response


def unexpected_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, object]]:
    # The route's template, never the path: a path can hold a delivery link's token.
    route = route_of(request.scope)
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, route, exc_info=exc)
    return problem(HTTPStatus.INTERNAL_SERVER_ERROR)


EXCEPTION_HANDLERS = {
    domain.BitLootError: service_error_handler,
    HTTPException: http_error_handler,
    Exception: unexpected_error_handler,
}

__all__ = ["EXCEPTION_HANDLERS", "MediaType", "problem"]
