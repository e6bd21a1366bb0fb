"""`BITLOOT_METRICS=off` (docs/metrics.md): no `/metrics`, no Prometheus recorder, requests still get
their id, and the shop works as before: an order is placed, paid, fulfilled and revealed."""

from pathlib import Path

import pytest
from dishka.exceptions import NoFactoryError

from bitloot.adapters.metrics.no_metrics import NoMetrics
from bitloot.adapters.metrics.prometheus import PrometheusMetrics
from bitloot.application.ports.metrics import ShopMetrics
from tests.http.conftest import fulfillment_status
from tests.http.test_metrics import open_metrics_shop


async def test_with_metrics_off_there_is_no_metrics_route_and_orders_still_work(tmp_path: Path) -> None:
    app, shop = await open_metrics_shop(tmp_path, BITLOOT_METRICS="off")
    async with shop.client:
        scraped = await shop.client.get("/metrics")
        product = await shop.product(["KEY-OFF-1"])
        order = await shop.order(product["id"])
        await shop.pay(order)  # the job runs in the API process before the IPN is answered
        status = await fulfillment_status(shop, order)
        revealed = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))
        container = app.state.dishka_container
        recorder = await container.get(ShopMetrics)
        with pytest.raises(NoFactoryError):
            await container.get(PrometheusMetrics)

    assert scraped.status_code == 404
    assert status["status"] == "fulfilled"
    assert revealed.status_code == 200, revealed.text
    assert "KEY-OFF-1" in revealed.text
    assert isinstance(recorder, NoMetrics)
    assert scraped.headers["x-request-id"], "the request observer still gives each request its id"


async def test_with_metrics_on_by_default_every_request_is_counted(tmp_path: Path) -> None:
    _, shop = await open_metrics_shop(tmp_path)
    async with shop.client:
        await shop.client.get("/fulfillment/health")
        scraped = await shop.client.get("/metrics")

    assert scraped.status_code == 200
    assert (
        'bitloot_http_requests_total{method="GET",route="/fulfillment/health",status="200"}' in scraped.text
    )
