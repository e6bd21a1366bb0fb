"""The wrappers that count what other parts do (docs/metrics.md): refused rate-limit hits by the limit's
name (never the hashed client, order or email), storage operations timed even when they fail, vault
refusals, supplier calls by outcome."""

import dataclasses
from collections import Counter

import pytest
from litestar.testing import RequestFactory

from bitloot.adapters.crypto.aes_gcm_vault import AesGcmKeyVault
from bitloot.adapters.crypto.keyring import MasterKeyring
from bitloot.adapters.metrics.counted_rate_limiter import CountedRateLimiter
from bitloot.adapters.metrics.counted_suppliers import CountedSupplier
from bitloot.adapters.metrics.counted_vault import CountedVault
from bitloot.adapters.metrics.timed_blob_store import TimedBlobStore
from bitloot.adapters.ratelimit.order_limits import CountedOrderLimits
from bitloot.application.errors import (
    KeysNotReady,
    StorageUnavailable,
    SupplierRefused,
    SupplierUnavailable,
    TooManyRequests,
)
from bitloot.application.ports.metrics import LIMITS
from bitloot.application.ports.rate_limit import OrderAction, RateDecision
from bitloot.application.ports.suppliers import SuppliedKey, SupplyRequest
from bitloot.domain.errors import KeyIntegrityError, OutOfStock
from bitloot.domain.keys import KeyMaterial, order_key_context
from bitloot.domain.product import SupplierKind
from bitloot.entrypoints.config import RateLimits
from bitloot.entrypoints.http.console.limits import SignInLimits
from bitloot.entrypoints.http.limits import RateGuard, RateLimited
from tests.factories.domain import ProductFactory
from tests.fakes.blob_store import InMemoryBlobStore
from tests.fakes.metrics import RecordingMetrics

CONTEXT = order_key_context("order-1", "item-1", "key-1")


class RefusingLimiter:
    """Refuses every hit, remembering the keys it was asked about."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    async def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision:
        self.keys.append(key)
        return RateDecision(allowed=False, retry_after_seconds=30)


async def test_every_rate_limit_is_counted_by_a_name_of_the_fixed_set_and_nothing_else() -> None:
    metrics = RecordingMetrics()
    inner = RefusingLimiter()
    limiter = CountedRateLimiter(inner, metrics)
    guard = RateGuard(limiter, RateLimits())
    request = RequestFactory().get("/")
    for check in (
        guard.reveal,
        guard.report_key,
        guard.delivery_link,
        guard.place_order,
        guard.order_page,
        guard.lookup,
    ):
        with pytest.raises(RateLimited):
            await check(request)
    assert await SignInLimits(limiter, RateLimits()).admit("203.0.113.9", "Owner@Example.com") == 30
    order_limits = CountedOrderLimits(limiter, dict.fromkeys(OrderAction, 1), 60)
    for action in OrderAction:
        with pytest.raises(TooManyRequests):
            await order_limits.admit(action, "order-1")

    assert set(metrics.rate_limited_by) == LIMITS
    assert sum(metrics.rate_limited_by.values()) == len(inner.keys) == len(LIMITS)
    # The label is the key's name only: the hash of the address, order id or email stays out.
    assert all(label.count(":") == 0 for label in metrics.rate_limited_by)


async def test_an_allowed_hit_is_not_counted() -> None:
    class Allowing:
        async def hit(self, key: str, limit: int, window_seconds: int) -> RateDecision:
            return RateDecision(allowed=True)

    metrics = RecordingMetrics()
    assert (await CountedRateLimiter(Allowing(), metrics).hit("reveal-ip:abc", 1, 60)).allowed
    assert metrics.rate_limited_by == Counter()


async def test_each_storage_operation_is_timed_and_a_failed_one_too() -> None:
    metrics = RecordingMetrics()
    inner = InMemoryBlobStore()
    store = TimedBlobStore(inner, metrics)

    await store.put("a/1", b"blob")
    assert await store.get("a/1") == b"blob"
    assert [b.path for b in await store.list_blobs("a/", "", 10)] == ["a/1"]
    await store.check()
    await store.delete("a/1")
    inner.unavailable = True
    with pytest.raises(StorageUnavailable):
        await store.get("a/1")

    assert [op for op, _ in metrics.storage] == ["put", "get", "list", "check", "delete", "get"]
    assert all(seconds >= 0 for _, seconds in metrics.storage)


def test_the_vault_counts_each_sealed_key_it_refuses_and_nothing_else() -> None:
    metrics = RecordingMetrics()
    vault = CountedVault(AesGcmKeyVault(MasterKeyring({1: bytes(range(32))}, 1)), metrics)
    envelope = vault.seal(KeyMaterial.text("AAAA-BBBB"), CONTEXT)

    assert vault.open(envelope, CONTEXT).secret == b"AAAA-BBBB"
    assert vault.rewrap(envelope.wrapped_key, envelope.key_version, CONTEXT)[1] == vault.active_version
    assert metrics.vault_refusals == 0
    with pytest.raises(KeyIntegrityError):
        vault.open(envelope, order_key_context("order-2", "item-1", "key-1"))
    tampered = dataclasses.replace(envelope, blob=envelope.blob[:-1] + bytes([envelope.blob[-1] ^ 1]))
    with pytest.raises(KeyIntegrityError):
        vault.open(tampered, CONTEXT)
    with pytest.raises(KeyIntegrityError):
        vault.rewrap(b"not a wrapped key", 1, CONTEXT)

    assert metrics.vault_refusals == 3


class ScriptedSupplier:
    kind = SupplierKind.KINGUIN

    def __init__(self, *answers: Exception | None) -> None:
        self._answers = list(answers)

    async def obtain(self, request: SupplyRequest) -> list[SuppliedKey]:
        answer = self._answers.pop(0)
        if answer is not None:
            raise answer
        return [SuppliedKey("k-1", KeyMaterial.text("KEY"))]


async def test_supplier_calls_are_counted_by_supplier_and_outcome() -> None:
    metrics = RecordingMetrics()
    supplier = CountedSupplier(
        ScriptedSupplier(
            None,
            OutOfStock("none left"),
            SupplierRefused("no"),
            KeysNotReady("pending"),
            SupplierUnavailable("down"),
            RuntimeError("surprise"),
        ),
        metrics,
    )
    request = SupplyRequest("order-1", "item-1", ProductFactory.build(), 1)

    assert supplier.kind is SupplierKind.KINGUIN
    assert len(await supplier.obtain(request)) == 1
    for _ in range(5):
        with pytest.raises(Exception):  # noqa: B017, PT011 - each scripted error is raised on
            await supplier.obtain(request)

    assert metrics.supplier_calls == Counter(
        {
            ("kinguin", outcome): 1
            for outcome in ("ok", "out_of_stock", "refused", "not_ready", "unavailable", "error")
        }
    )
