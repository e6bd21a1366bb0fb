"""Counting a provider's webhook deliveries by how each ended (`ShopMetrics.ipn_received`)."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from bitloot.application.errors import InvalidSignature, MalformedNotification
from bitloot.application.ports.metrics import BAD_SIGNATURE, ERROR, MALFORMED, ShopMetrics
from bitloot.domain.errors import InvalidValue
from bitloot.domain.webhook import WebhookProvider

Result = TypeVar("Result")


async def counted_delivery(
    metrics: ShopMetrics,
    provider: WebhookProvider,
    handle: Callable[[], Awaitable[Result]],
    outcome_of: Callable[[Result], str],
) -> Result:
    """Run `handle` and count the delivery once: by `outcome_of` its result, or by what it raised
    (a refused signature, a body that is no notification, a failure), which is raised on."""
    try:
        result = await handle()
    except InvalidSignature:
        metrics.ipn_received(provider, BAD_SIGNATURE)
        raise
    except (MalformedNotification, InvalidValue):
        metrics.ipn_received(provider, MALFORMED)
        raise
    except Exception:
        metrics.ipn_received(provider, ERROR)
        raise
    metrics.ipn_received(provider, outcome_of(result))
    return result
