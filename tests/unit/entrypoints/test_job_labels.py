"""The request id travels with a job as a Taskiq label (entrypoints/logs/job_labels.py): set when
the job is sent from a request, back on the job's lines when it runs in a process that never saw the
request, with the job's task id as `job_id`."""

import asyncio
import contextvars
import logging

import pytest
from taskiq import InMemoryBroker
from taskiq.message import BrokerMessage

from bitloot.application import log_context
from bitloot.entrypoints.logs.job_labels import REQUEST_ID_LABEL, JobLogContext

log = logging.getLogger("bitloot.test.job")


class HoldingBroker(InMemoryBroker):
    """Keeps what is sent, as Redis would, instead of running it at once."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[BrokerMessage] = []

    async def kick(self, message: BrokerMessage) -> None:
        self.sent.append(message)


@pytest.fixture
def broker() -> HoldingBroker:
    broker = HoldingBroker()
    broker.add_middlewares(JobLogContext())
    return broker


seen: list[dict[str, str]] = []


async def job(order_id: str) -> None:
    seen.append(log_context.current())
    log_context.note_order(order_id)
    log.info("job ran")


async def run_elsewhere(broker: HoldingBroker, message: BrokerMessage) -> dict[str, str]:
    """Run the job as a worker does: in a context that never saw the request; the context after."""

    async def receive() -> dict[str, str]:
        await broker.receiver.callback(message=message.message)
        return log_context.current()

    return await asyncio.create_task(receive(), context=contextvars.Context())


async def test_a_job_sent_in_a_request_runs_with_its_request_id_and_its_task_id(
    broker: HoldingBroker, caplog: pytest.LogCaptureFixture
) -> None:
    task = broker.register_task(job, task_name="job")
    seen.clear()
    with log_context.bound(request_id="req-from-the-ipn"):
        sent = await task.kiq("o-1")
    (message,) = broker.sent
    assert message.labels[REQUEST_ID_LABEL] == "req-from-the-ipn"

    after = await run_elsewhere(broker, message)

    assert seen == [{"request_id": "req-from-the-ipn", "job_id": sent.task_id}]
    assert after == {}, "the job's context is gone once it ended"


async def test_a_job_sent_outside_any_request_carries_no_request_id(broker: HoldingBroker) -> None:
    task = broker.register_task(job, task_name="job")
    seen.clear()
    sent = await task.kiq("o-1")
    (message,) = broker.sent
    assert REQUEST_ID_LABEL not in message.labels

    await run_elsewhere(broker, message)

    assert seen == [{"job_id": sent.task_id}]


@pytest.mark.parametrize("label", ["has space", "x" * 65, "new\nline"])
async def test_an_insane_label_from_the_queue_is_dropped(broker: HoldingBroker, label: str) -> None:
    task = broker.register_task(job, task_name="job")
    seen.clear()
    with log_context.bound(request_id="req-1"):
        await task.kiq("o-1")
    (message,) = broker.sent
    tampered = message.model_copy(
        update={"message": message.message.replace(b'"req-1"', f'"{label}"'.encode("unicode_escape"))}
    )
    assert tampered.message != message.message

    await run_elsewhere(broker, tampered)

    assert "request_id" not in seen[0]


async def test_a_job_run_inside_its_request_leaves_the_request_as_it_was() -> None:
    """The in-process broker of the tests awaits a job where it is sent, in the request's context."""
    broker = InMemoryBroker(await_inplace=True)
    broker.add_middlewares(JobLogContext())
    task = broker.register_task(job, task_name="job")
    seen.clear()
    with log_context.bound(request_id="req-1"):
        sent = await task.kiq("o-1")
        after = log_context.current()

    assert seen == [{"request_id": "req-1", "job_id": sent.task_id}]
    assert after == {"request_id": "req-1"}, "neither the job id nor the job's order stays"
