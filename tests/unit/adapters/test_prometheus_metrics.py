"""The Prometheus recorder (docs/metrics.md): labels stay within their fixed sets, the series alerts rely
on exist at 0, the database figures land in their gauges, and the text format names every metric."""

from pathlib import Path

from prometheus_client import CollectorRegistry

from bitloot.adapters.metrics.prometheus import PrometheusMetrics
from bitloot.adapters.metrics.stock_gauges import FILE_NAME, StockGauges
from bitloot.application.ports.metrics import StorageOp, SupplierOutcome
from bitloot.application.use_cases.measure_shop import ShopFigures, StockFigure
from bitloot.domain.audit import RevealChannel
from bitloot.domain.delivery_email import DeliveryEmailStatus
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.product import SupplierKind

SPEC_METRICS = (
    "bitloot_http_requests_total",
    "bitloot_http_request_seconds",
    "bitloot_ipn_total",
    "bitloot_orders_total",
    "bitloot_fulfillment_seconds",
    "bitloot_fulfillment_jobs_total",
    "bitloot_outbox_oldest_seconds",
    "bitloot_email_outbox",
    "bitloot_stock_available",
    "bitloot_reveals_total",
    "bitloot_rate_limited_total",
    "bitloot_supplier_calls_total",
    "bitloot_storage_seconds",
    "bitloot_vault_refusals_total",
)


def sample(metrics: PrometheusMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_a_value_outside_its_label_set_is_recorded_as_other() -> None:
    metrics = PrometheusMetrics()

    metrics.ipn_received("nowpayments", "an outcome nobody planned")
    metrics.ipn_received("somebody", "applied")  # type: ignore[arg-type]
    metrics.fulfillment_job_finished("order 01HXYZ failed")
    metrics.rate_limited("reveal-ip:5f2b9c")
    metrics.http_request("/orders", "BREW", 405, 0.01)

    assert sample(metrics, "bitloot_ipn_total", provider="nowpayments", outcome="other") == 1
    assert sample(metrics, "bitloot_ipn_total", provider="other", outcome="applied") == 1
    assert sample(metrics, "bitloot_fulfillment_jobs_total", outcome="other") == 1
    assert sample(metrics, "bitloot_rate_limited_total", limit="other") == 1
    assert sample(metrics, "bitloot_http_requests_total", route="/orders", method="other", status="405") == 1


def test_the_series_alerts_rely_on_exist_at_zero_before_any_event() -> None:
    metrics = PrometheusMetrics()

    assert sample(metrics, "bitloot_ipn_total", provider="kinguin", outcome="bad_signature") == 0
    assert sample(metrics, "bitloot_fulfillment_jobs_total", outcome="failed") == 0
    assert sample(metrics, "bitloot_reveals_total", channel="link") == 0
    assert sample(metrics, "bitloot_vault_refusals_total") == 0


def test_events_are_counted_and_timed_under_their_labels() -> None:
    metrics = PrometheusMetrics()

    metrics.ipn_received("kinguin", "applied")
    metrics.fulfillment_job_finished("fulfilled")
    metrics.order_fulfilled(3.5)
    metrics.keys_revealed(RevealChannel.API)
    metrics.rate_limited("sign-in-email")
    metrics.supplier_called(SupplierKind.STOCK, SupplierOutcome.OUT_OF_STOCK)
    metrics.storage_timed(StorageOp.PUT, 0.02)
    metrics.vault_refused()
    metrics.http_request("/d/{token}", "GET", 200, 0.003)

    assert sample(metrics, "bitloot_ipn_total", provider="kinguin", outcome="applied") == 1
    assert sample(metrics, "bitloot_fulfillment_jobs_total", outcome="fulfilled") == 1
    assert sample(metrics, "bitloot_fulfillment_seconds_sum") == 3.5
    assert sample(metrics, "bitloot_fulfillment_seconds_bucket", le="5.0") == 1
    assert sample(metrics, "bitloot_reveals_total", channel="api") == 1
    assert sample(metrics, "bitloot_rate_limited_total", limit="sign-in-email") == 1
    assert sample(metrics, "bitloot_supplier_calls_total", supplier="stock", outcome="out_of_stock") == 1
    assert sample(metrics, "bitloot_storage_seconds_count", op="put") == 1
    assert sample(metrics, "bitloot_vault_refusals_total") == 1
    assert sample(metrics, "bitloot_http_request_seconds_count", route="/d/{token}", method="GET") == 1


def test_the_database_figures_and_health_land_in_their_gauges() -> None:
    metrics = PrometheusMetrics()
    figures = ShopFigures(
        orders=dict.fromkeys(OrderStatus, 0) | {OrderStatus.PAID: 4},
        paid_unfulfilled_oldest_seconds=61.0,
        outbox_open=3,
        outbox_oldest_seconds=12.5,
        emails={DeliveryEmailStatus.PENDING: 2, DeliveryEmailStatus.FAILED: 1},
        stock=[StockFigure("GAME-1", 7, 5), StockFigure("KG-1", 40, None)],
    )

    metrics.show(figures, at=1_800_000_000.0)
    metrics.show_health({"database": "ok", "storage": "error"})

    assert sample(metrics, "bitloot_orders_total", status="paid") == 4
    assert sample(metrics, "bitloot_orders_total", status="fulfilled") == 0
    assert sample(metrics, "bitloot_paid_unfulfilled_oldest_seconds") == 61.0
    assert sample(metrics, "bitloot_outbox_requests") == 3
    assert sample(metrics, "bitloot_outbox_oldest_seconds") == 12.5
    assert sample(metrics, "bitloot_email_outbox", state="pending") == 2
    assert sample(metrics, "bitloot_email_outbox", state="failed") == 1
    assert sample(metrics, "bitloot_stock_available", sku="GAME-1") == 7
    assert sample(metrics, "bitloot_stock_available", sku="KG-1") == 40
    assert sample(metrics, "bitloot_stock_low_threshold", sku="GAME-1") == 5
    assert sample(metrics, "bitloot_stock_low_threshold", sku="KG-1") is None
    assert sample(metrics, "bitloot_dependency_up", dependency="database") == 1
    assert sample(metrics, "bitloot_dependency_up", dependency="storage") == 0
    assert sample(metrics, "bitloot_figures_refreshed_timestamp_seconds") == 1_800_000_000.0


def test_the_text_format_names_every_metric_the_spec_lists() -> None:
    metrics = PrometheusMetrics()
    metrics.http_request("/health", "GET", 200, 0.001)

    body, content_type = metrics.scrape()

    assert content_type.startswith("text/plain")
    text = body.decode()
    types = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}
    for name in SPEC_METRICS:
        # A counter's family is named without its `_total`.
        assert name in types or name.removesuffix("_total") in types, name
    # A single process shows its own CPU and memory too.
    assert "process_resident_memory_bytes" in body.decode()


def figures_with(stock: list[StockFigure]) -> ShopFigures:
    return ShopFigures(
        orders=dict.fromkeys(OrderStatus, 0),
        paid_unfulfilled_oldest_seconds=0.0,
        outbox_open=0,
        outbox_oldest_seconds=0.0,
        emails={DeliveryEmailStatus.PENDING: 0, DeliveryEmailStatus.FAILED: 0},
        stock=stock,
    )


def test_a_product_gone_from_the_figures_loses_its_stock_gauges_at_the_next_refresh() -> None:
    metrics = PrometheusMetrics()
    metrics.show(figures_with([StockFigure("GAME-1", 7, 5), StockFigure("GONE-1", 3, 2)]), at=1.0)
    assert sample(metrics, "bitloot_stock_available", sku="GONE-1") == 3

    # GONE-1 removed from the catalog; GAME-1 no longer listed, so it has no threshold any more.
    metrics.show(figures_with([StockFigure("GAME-1", 6, None)]), at=2.0)

    assert sample(metrics, "bitloot_stock_available", sku="GAME-1") == 6
    assert sample(metrics, "bitloot_stock_available", sku="GONE-1") is None
    assert sample(metrics, "bitloot_stock_low_threshold", sku="GONE-1") is None
    assert sample(metrics, "bitloot_stock_low_threshold", sku="GAME-1") is None
    text = metrics.scrape()[0].decode()
    assert "GONE-1" not in text
    assert "# TYPE bitloot_stock_available gauge" in text


def test_processes_sharing_a_folder_all_show_the_reader_s_latest_skus(tmp_path: Path) -> None:
    # Two processes of `bitloot serve`: the one that reads the figures, and another one scraped.
    reader, scraped = StockGauges(tmp_path), StockGauges(tmp_path)
    registry = CollectorRegistry()
    registry.register(scraped)
    assert registry.get_sample_value("bitloot_stock_available", {"sku": "GAME-1"}) is None

    reader.show([StockFigure("GAME-1", 7, 5), StockFigure("GONE-1", 3, 2)])
    assert registry.get_sample_value("bitloot_stock_available", {"sku": "GONE-1"}) == 3
    assert registry.get_sample_value("bitloot_stock_low_threshold", {"sku": "GAME-1"}) == 5
    reader.show([StockFigure("GAME-1", 6, 5)])

    assert registry.get_sample_value("bitloot_stock_available", {"sku": "GAME-1"}) == 6
    assert registry.get_sample_value("bitloot_stock_available", {"sku": "GONE-1"}) is None
    assert registry.get_sample_value("bitloot_stock_low_threshold", {"sku": "GONE-1"}) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == [FILE_NAME], "no temporary file is left"
