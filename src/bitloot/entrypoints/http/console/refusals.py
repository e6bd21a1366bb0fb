"""The status of a console page that shows why an action was not done: 404 unknown, 409 a conflict
or a lost race, 503 an outage, else (a refusal on its merits) 400."""

from bitloot.application.errors import ConcurrencyConflict, Conflict, NotFound, Unavailable
from bitloot.domain.errors import BitLootError


def refusal_status(error: BitLootError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Conflict | ConcurrencyConflict):
        return 409
    return 503 if isinstance(error, Unavailable) else 400
