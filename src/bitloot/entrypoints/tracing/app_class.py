"""The Litestar class of the app, minus a start-up import of OpenTelemetry.

Litestar 2 imports its OpenTelemetry plugin (and with it OpenTelemetry's ASGI instrumentation, some
50 modules) in every app's constructor whenever OpenTelemetry is installed, only to move an
OpenTelemetry middleware listed among `middleware` into a plugin. We never list one there: with
tracing on, the plugin comes in `plugins` (`Tracing.litestar_plugins`). So that step is skipped, and
an app without tracing loads none of it (tests/http/test_tracing_off.py)."""

from litestar import Litestar
from litestar.config.app import AppConfig


class ShopLitestar(Litestar):
    @staticmethod
    def _patch_opentelemetry_middleware(config: AppConfig) -> AppConfig:
        return config
