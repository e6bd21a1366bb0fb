"""The opaque `next` cursor of the operator's keyset pages (orders, webhook deliveries): the
(time, id) of a page's last row, as URL-safe base64 of a small JSON document. Anything that does
not decode to one is `InvalidValue` (a 400), never a server error; a cursor carries no secret, so
an edited but well-formed one only moves the page."""

import base64
import binascii
import json
from datetime import datetime

from bitloot.domain.errors import InvalidValue

MAX_CURSOR_LENGTH = 200


class InvalidCursor(InvalidValue):
    message = "The cursor is not valid; start again from the first page."


def encode_cursor(at: datetime, row_id: str) -> str:
    document = json.dumps({"at": at.isoformat(), "id": row_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[datetime, str]:
    if not text or len(text) > MAX_CURSOR_LENGTH:
        raise InvalidCursor
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        document = json.loads(raw)
        at = datetime.fromisoformat(document["at"])
        order_id = document["id"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise InvalidCursor from None
    if not isinstance(order_id, str) or not order_id or at.tzinfo is None:
        raise InvalidCursor
    return at, order_id
