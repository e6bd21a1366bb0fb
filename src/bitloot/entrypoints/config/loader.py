"""`load_settings`: the `BITLOOT_*` environment (docs/runtime-modes.md) read and validated once, at start.

Embedded mode (the default) needs nothing set: SQLite, a local object folder and generated secrets in
the data folder. Production (`BITLOOT_ENV=production`) refuses to start without each secret. Either
way every problem is reported at once, in one `ConfigurationError`.
"""

import os
from collections.abc import Mapping
from pathlib import Path

from bitloot.entrypoints.config.data_dir import secure_data_dir
from bitloot.entrypoints.config.environment import ConfigurationError, Environment
from bitloot.entrypoints.config.log_format import log_format_of
from bitloot.entrypoints.config.metrics_settings import metrics_settings
from bitloot.entrypoints.config.networks import parse_networks
from bitloot.entrypoints.config.secret_settings import load_secrets
from bitloot.entrypoints.config.services import (
    HTTP,
    kinguin_settings,
    kinguin_webhook_secret,
    nowpayments_settings,
    s3_settings,
    shop_identity,
    smtp_settings,
)
from bitloot.entrypoints.config.settings import Settings

MODES = ("development", "production", "test")
REDIS = ("redis", "rediss")


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings of `environ` (the process's environment by default); raises
    `ConfigurationError` naming every problem."""
    env = Environment(os.environ if environ is None else environ)
    mode = (env.get("ENV") or "development").lower()
    if mode not in MODES:
        env.refuse("BITLOOT_ENV is development, test or production.")
    production = mode == "production"
    data_dir = Path(env.get("DATA_DIR") or "var").resolve()
    database_url = env.url(
        "DATABASE_URL",
        ("sqlite+aiosqlite", "postgresql+asyncpg"),
        f"sqlite+aiosqlite:///{data_dir / 'bitloot.db'}",
    )
    storage_url = env.url("STORAGE_URL", ("s3", "file"), f"file://{data_dir / 'objects'}")
    s3 = s3_settings(env, storage_url)
    nowpayments = nowpayments_settings(env, production)
    broker_url = env.url("BROKER_URL", REDIS)
    rate_limit_url = env.url("RATE_LIMIT_URL", REDIS)
    public_base_url = env.url("PUBLIC_BASE_URL", HTTP, "http://127.0.0.1:8000", host=True).rstrip("/")
    tuning = env.tuning()
    log_format = log_format_of(env.get("LOG_FORMAT"), mode)
    if log_format is None:
        env.refuse("BITLOOT_LOG_FORMAT is json or text.")
    try:
        trusted_proxies = parse_networks(env.get("TRUSTED_PROXIES"))
    except ValueError as exc:
        env.refuse(f"BITLOOT_TRUSTED_PROXIES lists IP addresses or networks: {exc}.")
        trusted_proxies = ()
    # The data folder holds the SQLite database, the key folder or the generated secrets; a production
    # shop on PostgreSQL and S3 has none of those, so no folder is made for it.
    if not env.problems and (not production or database_url.startswith("sqlite") or s3 is None):
        secure_data_dir(data_dir)
    smtp = smtp_settings(env)
    kinguin = kinguin_settings(env)
    shop = shop_identity(env)
    metrics = metrics_settings(env)
    secrets = load_secrets(env, production, data_dir)
    if env.problems or secrets is None:
        raise ConfigurationError(env.problems)
    return Settings(
        env=mode,
        data_dir=data_dir,
        database_url=database_url,
        broker_url=broker_url,
        storage_url=storage_url,
        public_base_url=public_base_url,
        secrets=secrets,
        seed_demo_catalog=(env.get("SEED_DEMO_CATALOG") or ("false" if production else "true")) == "true",
        s3=s3,
        nowpayments=nowpayments,
        tuning=tuning,
        queue_name=env.get("QUEUE_NAME") or "bitloot:fulfillment",
        smtp=smtp,
        kinguin=kinguin,
        kinguin_webhook_secret=kinguin_webhook_secret(env),
        rate_limit_url=rate_limit_url,
        trusted_proxies=trusted_proxies,
        shop=shop,
        log_format=log_format or "text",
        metrics=metrics,
    )
