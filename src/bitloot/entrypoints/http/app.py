"""The Litestar application, wired by dishka."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from dishka import Provider
from dishka.integrations.litestar import DishkaRouter, setup_dishka
from dishka.integrations.taskiq import setup_dishka as setup_taskiq_dishka
from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template import TemplateConfig
from litestar.types import ControllerRouterHandler
from taskiq import AsyncBroker

from bitloot.adapters.metrics.prometheus import PrometheusMetrics
from bitloot.adapters.template_filters import add_amount_filter
from bitloot.entrypoints.config import Settings, load_settings
from bitloot.entrypoints.http.admin import AdminController
from bitloot.entrypoints.http.admin_keys import AdminKeysController
from bitloot.entrypoints.http.admin_orders import AdminOrdersController
from bitloot.entrypoints.http.admin_products import AdminProductsController
from bitloot.entrypoints.http.api_docs import DESCRIPTION, SECURITY_SCHEMES, asset_routers, doc_pages
from bitloot.entrypoints.http.client_address import ClientAddresses
from bitloot.entrypoints.http.console import console_router
from bitloot.entrypoints.http.customer import CatalogController, FulfillmentController, OrdersController
from bitloot.entrypoints.http.delivery import DeliveryController
from bitloot.entrypoints.http.delivery_fresh_link import FreshLinkController
from bitloot.entrypoints.http.health import health
from bitloot.entrypoints.http.home import home
from bitloot.entrypoints.http.key_reports import KeyReportApiController, KeyReportPageController
from bitloot.entrypoints.http.metrics import metrics_endpoint
from bitloot.entrypoints.http.openapi_docs import document_responses
from bitloot.entrypoints.http.order_lookup import lookup, lookup_form
from bitloot.entrypoints.http.order_page import OrderPageController
from bitloot.entrypoints.http.payment_return import cancelled, paid
from bitloot.entrypoints.http.problems import EXCEPTION_HANDLERS
from bitloot.entrypoints.http.request import CheckedBodyRequest
from bitloot.entrypoints.http.request_observer import observe_requests
from bitloot.entrypoints.http.security import security_headers
from bitloot.entrypoints.http.simulator import SimulatorController
from bitloot.entrypoints.http.webhooks.kinguin import KinguinWebhookController
from bitloot.entrypoints.http.webhooks.nowpayments import PaymentWebhookController
from bitloot.entrypoints.ioc import container_for, warm_up
from bitloot.entrypoints.ioc.http_only import HttpProvider
from bitloot.entrypoints.metrics_figures import FiguresLock, refresh_figures_forever
from bitloot.entrypoints.reconciler import reconcile_forever
from bitloot.entrypoints.startup_heap import freeze_startup_heap
from bitloot.entrypoints.tasks import build_broker
from bitloot.entrypoints.tracing import API_SERVICE, start_tracing
from bitloot.entrypoints.tracing.app_class import ShopLitestar

MAX_BODY_BYTES = 1024 * 1024
TEMPLATES = Path(__file__).parent / "templates"

log = logging.getLogger(__name__)


def create_app(
    settings: Settings, broker: AsyncBroker | None = None, *overrides: Provider, whole_process: bool = False
) -> Litestar:
    """The HTTP app. `broker` defaults to the in-process one, whose jobs run in this process;
    `overrides` replace providers of the composition root (tests swap adapters this way);
    `whole_process` when the app is all its process serves (a `bitloot serve` worker)."""
    broker = broker or build_broker(settings)
    # Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (entrypoints/tracing/).
    tracing = start_tracing(API_SERVICE)
    tracing.instrument_broker(broker)
    container = container_for(settings, broker, HttpProvider(), *overrides, *tracing.providers())
    # In-process jobs resolve their use cases from this same container.
    setup_taskiq_dishka(container, broker)
    handlers: list[ControllerRouterHandler] = [
        CatalogController,
        OrdersController,
        FulfillmentController,
        DeliveryController,
        FreshLinkController,
        PaymentWebhookController,
        KinguinWebhookController,
        AdminController,
        AdminOrdersController,
        health,
        paid,
        cancelled,
        OrderPageController,
        lookup_form,
        lookup,
        AdminProductsController,
        KeyReportPageController,
        KeyReportApiController,
        AdminKeysController,
    ]
    # `BITLOOT_METRICS=off` leaves out `/metrics`, the figures loop and the middleware (docs/metrics.md).
    metrics_on = settings.metrics.enabled
    if metrics_on:
        handlers.append(metrics_endpoint)
    if simulator_mounted(settings):
        handlers.append(SimulatorController)
        log.warning("payment simulator mounted at /simulator: anyone can mark an order paid")
    else:
        log.info("payment simulator not mounted")

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await warm_up(container)
        if whole_process:
            freeze_startup_heap()
        await broker.startup()
        stop = asyncio.Event()
        # With in-process jobs this process is the worker too, so it also runs the reconciler.
        reconciler = (
            None
            if settings.broker_url
            else asyncio.create_task(
                reconcile_forever(container, settings.tuning.reconciler.every_seconds, stop)
            )
        )
        # The gauges read from the database, by one of the API's processes (docs/metrics.md).
        figures = (
            asyncio.create_task(
                refresh_figures_forever(
                    container, settings.metrics.every_seconds, stop, FiguresLock.from_environment()
                )
            )
            if metrics_on
            else None
        )
        try:
            yield
        finally:
            stop.set()
            if figures is not None:
                await figures
            if reconciler is not None:
                await reconciler
            await broker.shutdown()
            await container.close()

    app = ShopLitestar(
        route_handlers=[DishkaRouter("", route_handlers=handlers), home, *asset_routers(), console_router()],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        lifespan=[lifespan],
        openapi_config=OpenAPIConfig(
            title="BitLoot fulfillment",
            version="0.1.0",
            path="/schema",
            render_plugins=doc_pages(),
            components=SECURITY_SCHEMES,
            use_handler_docstrings=True,
            description=DESCRIPTION,
        ),
        template_config=TemplateConfig(
            directory=TEMPLATES,
            engine=JinjaTemplateEngine,
            # Amounts read alike on every page and in every email (`|money`).
            engine_callback=lambda templates: add_amount_filter(templates.engine),
        ),
        request_max_body_size=MAX_BODY_BYTES,
        # Every body, read by any route, passes the JSON nesting cap first (400 when too deep).
        request_class=CheckedBodyRequest,
        debug=False,
        # The process configures logging (entrypoints/logging_setup.py), in one format for all.
        logging_config=None,
        before_send=[security_headers(settings.public_base_url.startswith("https://"))],
        plugins=tracing.litestar_plugins(),
    )
    app.state.settings = settings
    setup_dishka(container, app)
    # X-Request-ID, the access line and (unless metrics are off) the metrics, around every request.
    recorder = (lambda: container.get(PrometheusMetrics)) if metrics_on else None
    observe_requests(app, ClientAddresses(settings.trusted_proxies), recorder)
    # The OpenAPI document says what the app really answers: problem details, HTML pages.
    document_responses(app)
    return app


def simulator_mounted(settings: Settings) -> bool:
    """The simulator marks any order paid, so it exists only on a shop that takes no real payments:
    no payment provider configured and not in production, whatever `BITLOOT_ENV` says otherwise."""
    return settings.nowpayments is None and not settings.production


def app_from_environment() -> Litestar:
    """Factory for the ASGI server: settings from `BITLOOT_*` variables."""
    return create_app(load_settings(), whole_process=True)
