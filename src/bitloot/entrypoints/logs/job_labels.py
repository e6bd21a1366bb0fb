"""The request id travels with a job: a Taskiq label set when the job is sent from a request, read
back when it runs, so the worker's lines for that order carry the id of the request (the IPN, the
operator's retry) that queued it, in another process too. Each job's lines also carry its task id
as `job_id`.

A job the reconciler re-queues carries the id of the request that opened the fulfilment request
(kept in the outbox, `RequestContext`): the queue puts it in play while it sends the job again."""

from contextvars import ContextVar
from typing import Any

from taskiq import TaskiqMessage, TaskiqMiddleware, TaskiqResult

from bitloot.application import log_context
from bitloot.entrypoints.logs.request_ids import is_sane

REQUEST_ID_LABEL = "request_id"

# The context each running job replaced, to put back when it ends: an in-process job awaited where it
# was sent (tests) runs in its sender's context.
_replaced: ContextVar[tuple[log_context.Restore, ...]] = ContextVar("bitloot_job_replaced", default=())


class JobLogContext(TaskiqMiddleware):
    def pre_send(self, message: TaskiqMessage) -> TaskiqMessage:
        if (request_id := log_context.current_request_id()) is not None:
            message.labels[REQUEST_ID_LABEL] = request_id
        return message

    def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
        label = message.labels.get(REQUEST_ID_LABEL)
        # Whatever is in the queue is checked again: anything can write to Redis.
        request_id = label if isinstance(label, str) and is_sane(label) else None
        restore = log_context.bind(request_id=request_id, job_id=message.task_id)
        _replaced.set((*_replaced.get(), restore))
        return message

    def post_execute(self, message: TaskiqMessage, result: TaskiqResult[Any]) -> None:
        replaced = _replaced.get()
        if replaced:
            _replaced.set(replaced[:-1])
            replaced[-1]()
