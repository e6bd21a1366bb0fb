"""What only the HTTP app asks for: who the client is (behind the trusted proxies) and the per-client
rate guard checked before a customer endpoint's use case runs, what the delivery link's reveal
handlers share, and the CSRF keys and sign-in limits of the customer forms and the console.

The app adds this provider to the container (`create_app`); the worker and the command line leave it
out, so they do not import Litestar."""

import hashlib
import hmac

from dishka import Provider, Scope, provide

from bitloot.application.ports.rate_limit import RateLimiter
from bitloot.entrypoints.config import Settings
from bitloot.entrypoints.http.client_address import ClientAddresses
from bitloot.entrypoints.http.console.csrf import CsrfTokens
from bitloot.entrypoints.http.console.limits import SignInLimits
from bitloot.entrypoints.http.customer_csrf import CustomerCsrf
from bitloot.entrypoints.http.limits import RateGuard
from bitloot.entrypoints.http.reveal_steps import RevealSteps

# The CSRF keys are derived from the link secret under labels of their own, so they need no secret of
# their own and every API process derives the same ones.
CUSTOMER_CSRF_KEY_LABEL = b"bitloot-customer-csrf"
CSRF_KEY_LABEL = b"bitloot console csrf v1"


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

    @provide
    def customer_csrf(self, settings: Settings) -> CustomerCsrf:
        """The customer forms' CSRF key, derived from the link secret under its own label."""
        return CustomerCsrf(
            hmac.new(settings.secrets.link_secret, CUSTOMER_CSRF_KEY_LABEL, hashlib.sha256).digest()
        )

    @provide
    def csrf_tokens(self, settings: Settings) -> CsrfTokens:
        """The console forms' CSRF key."""
        return CsrfTokens(hmac.new(settings.secrets.link_secret, CSRF_KEY_LABEL, hashlib.sha256).digest())

    @provide
    def sign_in_limits(self, settings: Settings, limiter: RateLimiter) -> SignInLimits:
        return SignInLimits(limiter, settings.tuning.rate_limits)
