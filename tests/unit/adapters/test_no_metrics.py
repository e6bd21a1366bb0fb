"""`NoMetrics` (`BITLOOT_METRICS=off`): answers every `ShopMetrics` call, records nothing, never raises."""

import inspect

from bitloot.adapters.metrics.no_metrics import NoMetrics
from bitloot.application.ports.metrics import ShopMetrics, StorageOp, SupplierOutcome
from bitloot.domain.audit import RevealChannel
from bitloot.domain.product import SupplierKind


def port_methods() -> set[str]:
    return {
        name for name, _ in inspect.getmembers(ShopMetrics, inspect.isfunction) if not name.startswith("_")
    }


def test_it_has_every_method_of_the_port_with_the_same_parameters() -> None:
    names = port_methods()

    assert names, "the port has methods"
    for name in names:
        mine = inspect.signature(getattr(NoMetrics, name))
        theirs = inspect.signature(getattr(ShopMetrics, name))
        assert list(mine.parameters) == list(theirs.parameters), name


# One call of each port method, as the use cases and wrappers make them.
CALLS: dict[str, tuple[object, ...]] = {
    "ipn_received": ("nowpayments", "applied"),
    "fulfillment_job_finished": ("fulfilled",),
    "order_fulfilled": (1.5,),
    "keys_revealed": (RevealChannel.API,),
    "rate_limited": ("reveal-ip",),
    "supplier_called": (SupplierKind.STOCK, SupplierOutcome.OK),
    "storage_timed": (StorageOp.PUT, 0.01),
    "vault_refused": (),
}


def test_every_call_is_taken_and_nothing_is_kept() -> None:
    metrics: ShopMetrics = NoMetrics()

    results = {name: getattr(metrics, name)(*args) for name, args in CALLS.items()}

    assert set(results) == port_methods()
    assert set(results.values()) == {None}
    assert vars(metrics) == {}
