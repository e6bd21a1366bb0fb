"""The errors a customer operation documents in the OpenAPI document (`responses=` on its handler):
RFC 9457 problem details as `application/problem+json`, each with an example of what the service
really sends. An operation lists only the errors its handler and use case can give; problems.py
decides which status each error gets, and openapi_docs.py adds the `Retry-After` header to every 429.
"""

from dataclasses import dataclass
from http import HTTPStatus
from itertools import groupby

import msgspec
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import Example

from bitloot.application import errors as app
from bitloot.domain import errors as domain
from bitloot.entrypoints.http.problems import PROBLEM_JSON


class Problem(msgspec.Struct):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentedError:
    status: HTTPStatus
    # When it happens, for the reader of the document.
    when: str
    # The problem's `detail`, as the service writes it.
    detail: str


NO_TOKEN = DocumentedError(
    HTTPStatus.UNAUTHORIZED,
    "No bearer token: send the order's access token (press Authorize)",
    "Send the order's access token as 'Authorization: Bearer <token>'.",
)
UNKNOWN_ORDER = DocumentedError(
    HTTPStatus.NOT_FOUND,
    "No such order, or a wrong access token: the two are answered alike",
    app.NotFound.message,
)
UNKNOWN_ITEM = DocumentedError(
    HTTPStatus.NOT_FOUND,
    "`itemId` names no item of this order",
    "No such item in this order.",
)
NOT_FULFILLED = DocumentedError(
    HTTPStatus.CONFLICT,
    "The order is not fulfilled yet: ask again once its status is `fulfilled`",
    domain.NotFulfilledYet.message,
)
OUT_OF_STOCK = DocumentedError(
    HTTPStatus.CONFLICT,
    "Fewer keys in stock than a line asks for",
    "Only 2 of ELDEN-RING-PC left in stock.",
)
NOT_ON_SALE = DocumentedError(
    HTTPStatus.CONFLICT,
    "A line names a product the shop took off sale (unlisted)",
    "ELDEN-RING-PC is not on sale.",
)
REFUNDED = DocumentedError(
    HTTPStatus.GONE,
    "The order was refunded: its keys are blocked for good",
    domain.RevealsBlocked.message,
)
PURGED = DocumentedError(
    HTTPStatus.GONE,
    "A key was crypto-shredded after the retention period",
    domain.KeyPurged.message,
)
LINK_INVALID = DocumentedError(
    HTTPStatus.GONE, "The delivery link is forged or expired", app.InvalidDeliveryLink.message
)
RATE_LIMITED = DocumentedError(
    HTTPStatus.TOO_MANY_REQUESTS,
    "Too many requests from this client or for this order: retry after `Retry-After` seconds",
    app.TooManyRequests.message,
)


def problem_responses(*errors: DocumentedError) -> dict[int, ResponseSpec]:
    """`responses=` for a handler: one response per status, with an example per cause."""
    by_status = groupby(sorted(errors, key=lambda e: e.status), key=lambda e: e.status)
    return {status.value: _response(status, list(causes)) for status, causes in by_status}


def _response(status: HTTPStatus, causes: list[DocumentedError]) -> ResponseSpec:
    first, *others = [cause.when for cause in causes]
    return ResponseSpec(
        data_container=Problem,
        description="; or ".join([first, *(when[0].lower() + when[1:] for when in others)]),
        media_type=PROBLEM_JSON,
        generate_examples=False,
        examples=[
            Example(
                summary=cause.when,
                value={
                    "type": "about:blank",
                    "title": status.phrase,
                    "status": status.value,
                    "detail": cause.detail,
                },
            )
            for cause in causes
        ],
    )
