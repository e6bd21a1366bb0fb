"""What only the HTTP app asks for: who the client is (behind the trusted proxies) and the per-client
rate guard checked before a customer endpoint's use case runs, and what the delivery link's reveal
handlers share."""

from dishka import Provider, Scope, provide

from bitloot.application.ports.rate_limit import RateLimiter
from bitloot.entrypoints.config import Settings
from bitloot.entrypoints.http.client_address import ClientAddresses
from bitloot.entrypoints.http.limits import RateGuard
from bitloot.entrypoints.http.reveal_steps import RevealSteps


class HttpProvider(Provider):
    scope = Scope.APP

    @provide
    def client_addresses(self, settings: Settings) -> ClientAddresses:
        return ClientAddresses(settings.trusted_proxies)

    @provide
    def rate_guard(self, settings: Settings, limiter: RateLimiter, addresses: ClientAddresses) -> RateGuard:
        return RateGuard(limiter, settings.tuning.rate_limits, addresses)

    # Per request, as the use cases it holds work in the request's unit of work.
    reveal_steps = provide(RevealSteps, scope=Scope.REQUEST)
