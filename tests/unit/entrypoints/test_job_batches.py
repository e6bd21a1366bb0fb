"""JobBatches: jobs that arrive together run as one batch, each gets its own order's outcome, and a
batch's failure reaches every job of it (so none is acknowledged as done)."""

import asyncio
from collections.abc import Mapping, Sequence

import pytest

from bitloot.application import log_context
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.entrypoints.job_batches import JobBatches


class Recorder:
    def __init__(self, fail: BaseException | None = None, gate: asyncio.Event | None = None) -> None:
        self.batches: list[list[str]] = []
        self.labels: dict[str, Mapping[str, str]] = {}
        self.fail = fail
        self.gate = gate

    async def __call__(
        self, order_ids: Sequence[str], labels: Mapping[str, Mapping[str, str]]
    ) -> Mapping[str, FulfillOutcome]:
        self.batches.append(list(order_ids))
        self.labels.update(labels)
        await asyncio.sleep(0)
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return {
            order_id: FulfillOutcome.FULFILLED if "ok" in order_id else FulfillOutcome.SKIPPED
            for order_id in order_ids
        }


async def test_jobs_arriving_together_run_as_one_batch_and_each_gets_its_outcome() -> None:
    run = Recorder()
    batches = JobBatches(run, max_size=10, window_seconds=0.01)

    outcomes = await asyncio.gather(*(batches.submit(f"ok-{n}") for n in range(4)), batches.submit("other"))

    assert run.batches == [["ok-0", "ok-1", "ok-2", "ok-3", "other"]]
    assert outcomes == [FulfillOutcome.FULFILLED] * 4 + [FulfillOutcome.SKIPPED]


async def test_a_full_batch_starts_at_once_and_the_rest_waits_for_the_next() -> None:
    run = Recorder()
    batches = JobBatches(run, max_size=3, window_seconds=60)  # only size can start the first

    first = [asyncio.create_task(batches.submit(f"ok-{n}")) for n in range(3)]
    done, _ = await asyncio.wait(first, timeout=5)
    assert len(done) == 3
    assert run.batches == [["ok-0", "ok-1", "ok-2"]]

    quick = JobBatches(run, max_size=3, window_seconds=0.001)
    assert await quick.submit("ok-alone") is FulfillOutcome.FULFILLED
    assert run.batches[-1] == ["ok-alone"]


async def test_a_failed_batch_fails_every_job_of_it() -> None:
    run = Recorder(fail=RuntimeError("database gone"))
    batches = JobBatches(run, max_size=10, window_seconds=0.001)

    results = await asyncio.gather(batches.submit("ok-1"), batches.submit("ok-2"), return_exceptions=True)

    assert [type(r) for r in results] == [RuntimeError, RuntimeError]
    assert run.batches == [["ok-1", "ok-2"]]


async def test_a_job_cancelled_while_waiting_leaves_the_others_their_outcome() -> None:
    run = Recorder()
    batches = JobBatches(run, max_size=10, window_seconds=0.01)
    leaving = asyncio.create_task(batches.submit("ok-leaving"))
    staying = asyncio.create_task(batches.submit("ok-staying"))
    await asyncio.sleep(0)
    leaving.cancel()

    assert await staying is FulfillOutcome.FULFILLED
    with pytest.raises(asyncio.CancelledError):
        await leaving


def test_a_batch_holds_at_least_one_job_and_one_batch_runs() -> None:
    with pytest.raises(ValueError, match="at least one job"):
        JobBatches(Recorder(), max_size=0)
    with pytest.raises(ValueError, match="At least one batch runs"):
        JobBatches(Recorder(), max_size=1, running_at_once=0)


async def test_jobs_that_come_while_the_batches_run_go_together_when_one_ends() -> None:
    # A busy queue frees the worker's slots one job at a time: each job alone after its window would
    # make batches of one.
    gate = asyncio.Event()
    run = Recorder(gate=gate)
    batches = JobBatches(run, max_size=3, window_seconds=0.001, running_at_once=2)
    first = [asyncio.create_task(batches.submit(f"ok-{n}")) for n in ("a", "b")]
    await asyncio.sleep(0.01)
    first.append(asyncio.create_task(batches.submit("ok-c")))
    await asyncio.sleep(0.01)
    assert run.batches == [["ok-a", "ok-b"], ["ok-c"]]  # two run: the rest waits, past its window

    later = [asyncio.create_task(batches.submit(f"ok-{n}")) for n in range(5)]
    await asyncio.sleep(0.01)
    assert len(run.batches) == 2
    gate.set()

    assert await asyncio.gather(*first, *later) == [FulfillOutcome.FULFILLED] * 8
    assert run.batches[2:] == [["ok-0", "ok-1", "ok-2"], ["ok-3", "ok-4"]]


async def test_each_order_of_a_batch_carries_the_log_fields_of_its_own_job() -> None:
    run = Recorder()
    batches = JobBatches(run, max_size=10, window_seconds=0.01)

    async def job(order_id: str, request_id: str) -> FulfillOutcome:
        with log_context.bound(request_id=request_id, job_id=f"job-{order_id}"):
            return await batches.submit(order_id)

    await asyncio.gather(job("ok-1", "req-1"), job("ok-2", "req-2"))

    assert run.batches == [["ok-1", "ok-2"]]
    assert run.labels == {
        "ok-1": {"request_id": "req-1", "job_id": "job-ok-1"},
        "ok-2": {"request_id": "req-2", "job_id": "job-ok-2"},
    }


async def test_a_stuck_batch_stops_holding_back_the_next_one_after_its_slot_time() -> None:
    # A supplier that hangs keeps its batch running: the jobs behind it still go.
    gate = asyncio.Event()
    run = Recorder(gate=gate)
    batches = JobBatches(run, max_size=10, window_seconds=0.001, running_at_once=1, slot_seconds=0.05)
    stuck = asyncio.create_task(batches.submit("ok-stuck"))
    await asyncio.sleep(0.01)
    behind = asyncio.create_task(batches.submit("ok-behind"))
    await asyncio.sleep(0.01)
    assert run.batches == [["ok-stuck"]]

    await asyncio.sleep(0.1)
    assert run.batches == [["ok-stuck"], ["ok-behind"]]
    gate.set()
    assert [await stuck, await behind] == [FulfillOutcome.FULFILLED] * 2
