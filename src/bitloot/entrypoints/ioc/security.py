"""What keeps keys and orders safe: the vault that seals keys under the master keys, the keyed
fingerprints of keys, signed delivery links, and the rate limits (the shared counters and the
per-order limits the use cases apply)."""

import hashlib
import hmac
from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide

from bitloot.adapters.crypto.aes_gcm_vault import AesGcmKeyVault
from bitloot.adapters.crypto.hmac_fingerprints import HmacKeyFingerprints
from bitloot.adapters.links.hmac_links import HmacDeliveryLinks, HmacOrderPageLinks
from bitloot.adapters.ratelimit.memory import MemoryRateLimiter
from bitloot.adapters.ratelimit.order_limits import CountedOrderLimits
from bitloot.adapters.ratelimit.redis import RedisRateLimiter
from bitloot.application.ports.crypto import KeyFingerprints, KeyVault
from bitloot.application.ports.links import DeliveryLinkSigner, OrderPageLinkSigner
from bitloot.application.ports.rate_limit import OrderAction, OrderLimits, RateLimiter
from bitloot.entrypoints.config import Settings
from bitloot.entrypoints.http.reveal_tickets import RevealTickets

REVEAL_TICKET_KEY_LABEL = b"bitloot-reveal-ticket"


class SecurityProvider(Provider):
    scope = Scope.APP

    @provide
    def vault(self, settings: Settings) -> KeyVault:
        return AesGcmKeyVault(settings.secrets.keyring)

    @provide
    def fingerprints(self, settings: Settings) -> KeyFingerprints:
        return HmacKeyFingerprints(settings.secrets.fingerprint_secret)

    @provide
    def links(self, settings: Settings) -> DeliveryLinkSigner:
        return HmacDeliveryLinks(settings.secrets.link_secret, settings.public_base_url)

    @provide
    def order_page_links(self, settings: Settings) -> OrderPageLinkSigner:
        return HmacOrderPageLinks(settings.secrets.link_secret, settings.public_base_url)

    @provide
    def reveal_tickets(self, settings: Settings) -> RevealTickets:
        """The keys page's one-time tickets' key, derived from the link secret under its own label."""
        return RevealTickets(
            hmac.new(settings.secrets.link_secret, REVEAL_TICKET_KEY_LABEL, hashlib.sha256).digest()
        )

    @provide
    async def rate_limiter(self, settings: Settings) -> AsyncIterator[RateLimiter]:
        """Redis (`BITLOOT_RATE_LIMIT_URL`, else the broker's) shared by every API process; in-process
        counters in the embedded mode."""
        url = settings.rate_limit_url or settings.broker_url
        if url is None:
            yield MemoryRateLimiter()
            return
        limiter = RedisRateLimiter(url, prefix=f"{settings.queue_name}:ratelimit")
        try:
            yield limiter
        finally:
            await limiter.aclose()

    @provide
    def order_limits(self, settings: Settings, limiter: RateLimiter) -> OrderLimits:
        limits = settings.tuning.rate_limits
        return CountedOrderLimits(
            limiter,
            {
                OrderAction.REVEAL: limits.reveal_per_order,
                OrderAction.LINK: limits.link_per_order,
                OrderAction.EMAIL: limits.email_per_order,
            },
            limits.window_seconds,
        )
