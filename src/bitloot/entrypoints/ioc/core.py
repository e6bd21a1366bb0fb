"""What every other provider builds on: the settings and the broker the process hands in, and the
clock and the shop's identity."""

from dishka import Provider, Scope, from_context, provide
from taskiq import AsyncBroker

from bitloot.adapters.clock import SystemClock
from bitloot.application.ports.clock import Clock
from bitloot.domain.shop import ShopIdentity
from bitloot.entrypoints.config import Settings


class CoreProvider(Provider):
    scope = Scope.APP

    settings = from_context(provides=Settings, scope=Scope.APP)
    broker = from_context(provides=AsyncBroker, scope=Scope.APP)

    @provide
    def clock(self) -> Clock:
        return SystemClock()

    @provide
    def shop(self, settings: Settings) -> ShopIdentity:
        return settings.shop
