"""The status of a console page that shows a refusal's message: 404 unknown, 409 conflict, else 400."""

from bitloot.application.errors import Conflict, NotFound
from bitloot.domain.errors import Refusal


def refusal_status(refusal: Refusal) -> int:
    if isinstance(refusal, Conflict):
        return 409
    return 404 if isinstance(refusal, NotFound) else 400
