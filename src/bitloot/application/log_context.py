"""What the work in progress is about, for its log lines: the HTTP request, the queued job and the
order. The log formatters (`bitloot.entrypoints.logs`) add each one that is set to every line, so
an operator finds every line of one order, or of one request from the API into the worker.

Context variables, so each request and each job (an asyncio task of its own, which starts from a
copy of its creator's context) sees its own values. Entrypoints bind the request and the job
(`bound`); a use case notes the order it works on (`note_order`) for the rest of its request or
job, and a loop that works on one order after another (the reconciler's rounds) runs each in
`about_order`, so that no line carries the order before."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("bitloot_request_id", default=None)
_job_id: ContextVar[str | None] = ContextVar("bitloot_job_id", default=None)
_order_id: ContextVar[str | None] = ContextVar("bitloot_order_id", default=None)

FIELDS = (("request_id", _request_id), ("order_id", _order_id), ("job_id", _job_id))

# Puts every field back to what it was before a `bind`.
Restore = Callable[[], None]


def current() -> dict[str, str]:
    """The fields set now, by name, in the order lines show them."""
    return {name: value for name, var in FIELDS if (value := var.get()) is not None}


def current_request_id() -> str | None:
    """The request this work was started by (carried into its jobs), if any."""
    return _request_id.get()


def note_order(order_id: str) -> None:
    """The order the current request or job works on, for the rest of it."""
    _order_id.set(order_id)


def bind(*, request_id: str | None = None, job_id: str | None = None, order_id: str | None = None) -> Restore:
    """Set the fields given (None leaves one as it is); the function returned puts every field back
    to what it was before, the ones noted since too."""
    before = [(var, var.get()) for _, var in FIELDS]
    given = {"request_id": request_id, "job_id": job_id, "order_id": order_id}
    for name, var in FIELDS:
        if (value := given[name]) is not None:
            var.set(value)

    def restore() -> None:
        for var, value in before:
            var.set(value)

    return restore


def forget() -> None:
    """Unset every field, for the rest of the current task (work about many orders, whose lines each
    bind their own)."""
    for _, var in FIELDS:
        var.set(None)


@contextmanager
def bound(
    *, request_id: str | None = None, job_id: str | None = None, order_id: str | None = None
) -> Iterator[None]:
    """`bind` for the block inside."""
    restore = bind(request_id=request_id, job_id=job_id, order_id=order_id)
    try:
        yield
    finally:
        restore()


@contextmanager
def about_order(order_id: str) -> Iterator[None]:
    """Lines logged inside concern `order_id`; afterwards the order before (if any) is back, whatever
    the work inside noted."""
    with bound(order_id=order_id):
        yield
