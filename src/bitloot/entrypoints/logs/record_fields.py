"""What a log line says beside its message: the request, order and job in play
(`bitloot.application.log_context`) and the fields a call gave with `extra=` (the access log's
method, route, status...).

`ContextFilter`, on every handler `logging_setup` installs, stamps the context on each record as it
is handled, in the task that logged it: a record formatted later (or elsewhere) keeps the context it
was logged in. A field given with `extra=` wins over the context: a line about another order says so."""

import logging
from typing import Any

from bitloot.application import log_context

# The attributes every `LogRecord` has; any other was given with `extra=` or stamped here.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
CONTEXT_NAMES = tuple(name for name, _ in log_context.FIELDS)
_NOT_EXTRA = _STANDARD | frozenset(CONTEXT_NAMES)


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in log_context.FIELDS:
            if not hasattr(record, name):
                setattr(record, name, var.get())
        return True


def line_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The context fields set (request, order, job), then the other `extra=` fields in the order
    given; None values are left out."""
    attributes = vars(record)
    fields = {name: value for name in CONTEXT_NAMES if (value := attributes.get(name)) is not None}
    if attributes.keys() - _NOT_EXTRA:  # most lines have no extra field: skip the walk below
        for name, value in attributes.items():
            if name not in _NOT_EXTRA and value is not None:
                fields[name] = value
    return fields
