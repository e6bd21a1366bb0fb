"""The validated configuration of one process: what `load_settings` returns.

Secret-bearing fields hide themselves from `repr`, so logging the settings never shows a secret.
"""

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from bitloot.adapters.crypto.keyring import MasterKeyring
from bitloot.adapters.email.smtp_sender import SmtpSettings
from bitloot.adapters.payments.nowpayments.settings import NowPaymentsSettings
from bitloot.adapters.storage.s3_settings import S3Settings
from bitloot.adapters.suppliers.kinguin.settings import KinguinSettings
from bitloot.domain.shop import ShopIdentity
from bitloot.entrypoints.config.metrics_settings import MetricsSettings
from bitloot.entrypoints.config.networks import Network
from bitloot.entrypoints.config.tuning import Tuning


@dataclass(frozen=True, slots=True)
class Secrets:
    keyring: MasterKeyring
    link_secret: bytes = field(repr=False)
    ipn_secret: bytes = field(repr=False)
    admin_token: str = field(repr=False)
    # Keys the HMAC-SHA256 fingerprints that make "this key is already ours" a database fact (docs/stock-
    # integrity.md).
    fingerprint_secret: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Settings:
    env: str
    data_dir: Path
    database_url: str
    broker_url: str | None
    storage_url: str
    public_base_url: str
    secrets: Secrets
    seed_demo_catalog: bool
    s3: S3Settings | None = None
    # `BITLOOT_NOWPAYMENTS_API_KEY` and friends; None: the local payment simulator (never in production).
    nowpayments: NowPaymentsSettings | None = None
    tuning: Tuning = field(default_factory=Tuning)
    # The Redis stream (and consumer group prefix) of the fulfillment jobs; separate shops or test runs
    # sharing one Redis use separate names.
    queue_name: str = "bitloot:fulfillment"
    # `BITLOOT_SMTP_URL`; None: emails are written to the log (the embedded default).
    smtp: SmtpSettings | None = None
    # `BITLOOT_KINGUIN_API_KEY` (and `_BASE_URL`); None: no Kinguin supplier (optional in production).
    kinguin: KinguinSettings | None = None
    # `BITLOOT_KINGUIN_WEBHOOK_SECRET`; None: every Kinguin webhook delivery is refused.
    kinguin_webhook_secret: bytes | None = field(default=None, repr=False)
    # `BITLOOT_RATE_LIMIT_URL` (redis://); None: the broker's Redis, or in-process counters without one.
    rate_limit_url: str | None = None
    # `BITLOOT_TRUSTED_PROXIES`: the load balancers whose `X-Forwarded-For` names the client.
    trusted_proxies: tuple[Network, ...] = ()
    # `BITLOOT_SHOP_NAME`, `BITLOOT_SUPPORT_EMAIL`: named on every customer page and email.
    shop: ShopIdentity = field(default_factory=ShopIdentity)
    # `BITLOOT_LOG_FORMAT`: `json` or `text` (default: json in production, else text); logging is set up
    # from the environment before the settings exist (config/log_format.py), this is for reading.
    log_format: str = "text"
    # `BITLOOT_METRICS_*` (docs/metrics.md).
    metrics: MetricsSettings = field(default_factory=MetricsSettings)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def storage_dir(self) -> Path:
        return Path(urlparse(self.storage_url).path) if self.storage_url.startswith("file:") else Path()
