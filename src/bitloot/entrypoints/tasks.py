"""The fulfilment task and the broker that carries it."""

from dishka.integrations.taskiq import FromDishka
from dishka.integrations.taskiq import inject as taskiq_inject
from taskiq import AsyncBroker, InMemoryBroker

from bitloot.adapters.queue.taskiq_queue import FULFILL_TASK
from bitloot.application.use_cases.fulfill_order import FulfillOrder
from bitloot.entrypoints.settings import Settings


@taskiq_inject(patch_module=True)
async def fulfill_order(order_id: str, use_case: FromDishka[FulfillOrder]) -> str:
    """Returns only the outcome's name: results may be stored, and must never carry a key."""
    return (await use_case.execute(order_id)).value


def build_broker(_settings: Settings, *, await_inplace: bool = False) -> AsyncBroker:
    """In-process (embedded) broker; jobs run inside the API process. `await_inplace` runs each job
    before `kiq` returns, which tests use to observe its effects without waiting."""
    broker = InMemoryBroker(await_inplace=await_inplace, max_async_tasks=50)
    broker.register_task(fulfill_order, task_name=FULFILL_TASK)
    return broker
