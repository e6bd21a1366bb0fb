"""Configuration from `BITLOOT_*` environment variables (SPEC §3), validated once at start.

Embedded mode (the default) needs nothing: SQLite, a local object folder and secrets generated once
into `{data_dir}/secrets.json` (mode 0600). Production (`BITLOOT_ENV=production`) refuses to start
without each secret, and says which are missing, one message per problem.
"""

import base64
import json
import logging
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from bitloot.adapters.crypto.keyring import MasterKeyring
from bitloot.adapters.email.smtp_sender import SmtpSettings
from bitloot.adapters.payments.nowpayments.settings import DEFAULT_BASE_URL, NowPaymentsSettings
from bitloot.adapters.storage.s3 import S3Settings
from bitloot.adapters.suppliers.kinguin.settings import DEFAULT_BASE_URL as KINGUIN_BASE_URL
from bitloot.adapters.suppliers.kinguin.settings import KinguinSettings
from bitloot.entrypoints.data_dir import PRIVATE_FILE_MODE, secure_data_dir
from bitloot.entrypoints.http.client_address import Network, parse_networks

log = logging.getLogger(__name__)

PREFIX = "BITLOOT_"
SECRETS_FILE = "secrets.json"
MIN_SECRET_BYTES = 32
# A webhook secret is chosen in the provider's dashboard; shorter than this is guessable offline.
MIN_WEBHOOK_SECRET_CHARS = 16
# Fewer distinct characters than this is a placeholder (`aaaa...`, `changeme`), not a secret.
MIN_DISTINCT_CHARS = 8


class ConfigurationError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("Configuration is not valid:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True, slots=True)
class Secrets:
    keyring: MasterKeyring
    link_secret: bytes = field(repr=False)
    ipn_secret: bytes = field(repr=False)
    admin_token: str = field(repr=False)
    # Keys the HMAC-SHA256 fingerprints that make "this key is already ours" a database fact (SPEC §10).
    fingerprint_secret: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class Tuning:
    """Timings and sizes, each overridable by `BITLOOT_<NAME>` (e.g. `BITLOOT_LEASE_SECONDS`)."""

    # The fulfilment lease, renewed by the job's heartbeat every third of it: a dead worker's orders
    # are taken over about this long after it died.
    lease_seconds: int = 10
    # One indexed query per round, which also re-queues the orders whose lease lapsed.
    reconcile_every_seconds: int = 2
    # A request handed to the queue and still not leased after this long is queued again: its job was
    # lost, or read by a worker that died before taking the lease. A duplicate job is harmless.
    reconcile_grace_seconds: int = 8
    worker_concurrency: int = 32
    database_pool_size: int = 10
    redelivery_idle_seconds: int = 300
    # How long a sender holds a delivery email before another may send it (one send takes far less).
    email_lease_seconds: int = 120
    # How often the reconciler asks NOWPayments about orders still awaiting payment.
    payment_reconcile_every_seconds: int = 60
    # How often (at most) each process's reconciler sweeps sealed blobs no row refers to.
    orphan_sweep_every_seconds: int = 300
    # Rate limits (requests per `rate_limit_window_seconds`), e.g. `BITLOOT_REVEAL_LIMIT_PER_ORDER`.
    rate_limit_window_seconds: int = 60
    reveal_limit_per_order: int = 10
    reveal_limit_per_ip: int = 30
    link_limit_per_order: int = 20
    link_limit_per_ip: int = 60
    order_limit_per_ip: int = 20


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
    # The Redis stream (and consumer group prefix) of the fulfilment jobs; separate shops or test runs
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

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def storage_dir(self) -> Path:
        return Path(urlparse(self.storage_url).path) if self.storage_url.startswith("file:") else Path()


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = dict(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = env.get(PREFIX + name, "").strip()
        return value or None

    problems: list[str] = []
    mode = (get("ENV") or "development").lower()
    if mode not in ("development", "production", "test"):
        problems.append("BITLOOT_ENV is development, test or production.")
    data_dir = Path(get("DATA_DIR") or "var").resolve()
    database_url = get("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'bitloot.db'}"
    if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        problems.append("BITLOOT_DATABASE_URL is sqlite+aiosqlite://... or postgresql+asyncpg://...")
    storage_url = get("STORAGE_URL") or f"file://{data_dir / 'objects'}"
    s3 = _s3_settings(get, storage_url, problems)
    nowpayments = _nowpayments_settings(get, mode == "production", problems)
    broker_url = get("BROKER_URL")
    if broker_url is not None and not broker_url.startswith(("redis://", "rediss://")):
        problems.append("BITLOOT_BROKER_URL is a redis:// or rediss:// URL (or unset for in-process jobs).")
    rate_limit_url = get("RATE_LIMIT_URL")
    if rate_limit_url is not None and not rate_limit_url.startswith(("redis://", "rediss://")):
        problems.append("BITLOOT_RATE_LIMIT_URL is a redis:// or rediss:// URL.")
    public_base_url = (get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    if urlparse(public_base_url).scheme not in ("http", "https"):
        problems.append("BITLOOT_PUBLIC_BASE_URL must be an http(s) URL.")
    tuning = _tuning(get, problems)
    try:
        trusted_proxies = parse_networks(get("TRUSTED_PROXIES"))
    except ValueError as exc:
        problems.append(f"BITLOOT_TRUSTED_PROXIES lists IP addresses or networks: {exc}.")
        trusted_proxies = ()
    if not problems and (mode != "production" or database_url.startswith("sqlite") or s3 is None):
        secure_data_dir(data_dir)
    smtp = _smtp_settings(get("SMTP_URL"), problems)
    kinguin = _kinguin_settings(get, problems)
    kinguin_secret = get("KINGUIN_WEBHOOK_SECRET")
    loaded = _load_secrets(get, mode == "production", data_dir, problems)
    if problems or loaded is None:
        raise ConfigurationError(problems)
    return Settings(
        env=mode,
        data_dir=data_dir,
        database_url=database_url,
        broker_url=broker_url,
        storage_url=storage_url,
        public_base_url=public_base_url,
        secrets=loaded,
        seed_demo_catalog=(get("SEED_DEMO_CATALOG") or ("false" if mode == "production" else "true"))
        == "true",
        s3=s3,
        nowpayments=nowpayments,
        tuning=tuning,
        queue_name=get("QUEUE_NAME") or "bitloot:fulfillment",
        smtp=smtp,
        kinguin=kinguin,
        kinguin_webhook_secret=kinguin_secret.encode("utf-8") if kinguin_secret else None,
        rate_limit_url=rate_limit_url,
        trusted_proxies=trusted_proxies,
    )


def _kinguin_settings(get: Callable[[str], str | None], problems: list[str]) -> KinguinSettings | None:
    """The Kinguin supplier when `BITLOOT_KINGUIN_API_KEY` is set. A problem never repeats the key."""
    base_url = (get("KINGUIN_BASE_URL") or KINGUIN_BASE_URL).rstrip("/")
    if urlparse(base_url).scheme not in ("http", "https") or not urlparse(base_url).netloc:
        problems.append("BITLOOT_KINGUIN_BASE_URL must be an http(s) URL.")
        return None
    api_key = get("KINGUIN_API_KEY")
    return None if api_key is None else KinguinSettings(api_key=api_key, base_url=base_url)


def _smtp_settings(url: str | None, problems: list[str]) -> SmtpSettings | None:
    """The mail server, or None for the log email_sender. A problem never repeats the URL: it may hold
    the SMTP password."""
    if url is None:
        return None
    try:
        return SmtpSettings.parse(url)
    except ValueError as exc:
        problems.append(f"BITLOOT_SMTP_URL is not valid: {exc}.")
        return None


def _nowpayments_settings(
    get: Callable[[str], str | None], production: bool, problems: list[str]
) -> NowPaymentsSettings | None:
    """NOWPayments' API, used when its key is set (required in production); otherwise the simulator.
    A problem never repeats a secret."""
    api_key = get("NOWPAYMENTS_API_KEY")
    base_url = (get("NOWPAYMENTS_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    email, password = get("NOWPAYMENTS_EMAIL"), get("NOWPAYMENTS_PASSWORD")
    if urlparse(base_url).scheme not in ("http", "https"):
        problems.append("BITLOOT_NOWPAYMENTS_BASE_URL must be an http(s) URL.")
    if (email is None) != (password is None):
        problems.append("BITLOOT_NOWPAYMENTS_EMAIL and BITLOOT_NOWPAYMENTS_PASSWORD are set together.")
    if api_key is None:
        if production:
            problems.append("BITLOOT_NOWPAYMENTS_API_KEY is required in production.")
        return None
    return NowPaymentsSettings(api_key=api_key, base_url=base_url, email=email, password=password)


def _s3_settings(
    get: Callable[[str], str | None], storage_url: str, problems: list[str]
) -> S3Settings | None:
    parsed = urlparse(storage_url)
    if parsed.scheme == "file":
        return None
    if parsed.scheme != "s3" or not parsed.netloc:
        problems.append("BITLOOT_STORAGE_URL is s3://bucket or file://directory.")
        return None
    access_key, secret_key = get("S3_ACCESS_KEY_ID"), get("S3_SECRET_ACCESS_KEY")
    if access_key is None or secret_key is None:
        problems.append(
            "BITLOOT_S3_ACCESS_KEY_ID and BITLOOT_S3_SECRET_ACCESS_KEY are required for s3:// storage."
        )
        return None
    return S3Settings(
        bucket=parsed.netloc,
        endpoint_url=get("S3_ENDPOINT_URL"),
        region=get("S3_REGION") or "auto",
        access_key_id=access_key,
        secret_access_key=secret_key,
    )


def _tuning(get: Callable[[str], str | None], problems: list[str]) -> Tuning:
    values: dict[str, int] = {}
    for name in Tuning.__dataclass_fields__:
        raw = get(name.upper())
        if raw is None:
            continue
        if not raw.isdigit() or int(raw) < 1:
            problems.append(f"BITLOOT_{name.upper()} is a positive whole number.")
            continue
        values[name] = int(raw)
    return Tuning(**values)


def _load_secrets(
    get: Callable[[str], str | None], production: bool, data_dir: Path, problems: list[str]
) -> Secrets | None:
    stored = {} if production else _generated_secrets(data_dir)
    values = {
        "MASTER_KEYS": get("MASTER_KEYS") or stored.get("master_keys"),
        "LINK_SECRET": get("LINK_SECRET") or stored.get("link_secret"),
        "KEY_FINGERPRINT_SECRET": get("KEY_FINGERPRINT_SECRET") or stored.get("fingerprint_secret"),
        "NOWPAYMENTS_IPN_SECRET": get("NOWPAYMENTS_IPN_SECRET") or stored.get("ipn_secret"),
        "ADMIN_TOKEN": get("ADMIN_TOKEN") or stored.get("admin_token"),
    }
    for name, value in values.items():
        if value is None:
            problems.append(f"BITLOOT_{name} is required in production.")
    keyring = _keyring(values["MASTER_KEYS"], get("ACTIVE_KEY_VERSION"), problems)
    if keyring is not None and production:
        _check_master_keys(keyring, problems)
    link_secret = _secret_bytes("LINK_SECRET", values["LINK_SECRET"], problems)
    fingerprint_secret = _secret_bytes("KEY_FINGERPRINT_SECRET", values["KEY_FINGERPRINT_SECRET"], problems)
    admin_token = values["ADMIN_TOKEN"]
    if admin_token is not None and len(admin_token) < MIN_SECRET_BYTES:
        problems.append(f"BITLOOT_ADMIN_TOKEN must be at least {MIN_SECRET_BYTES} characters.")
    ipn_secret = values["NOWPAYMENTS_IPN_SECRET"]
    if production:
        _check_strength(values, get("KINGUIN_WEBHOOK_SECRET"), problems)
    if (
        keyring is None
        or link_secret is None
        or fingerprint_secret is None
        or ipn_secret is None
        or admin_token is None
        or problems
    ):
        return None
    return Secrets(keyring, link_secret, ipn_secret.encode("utf-8"), admin_token, fingerprint_secret)


def _check_strength(
    values: Mapping[str, str | None], kinguin_secret: str | None, problems: list[str]
) -> None:
    """Production refuses secrets an attacker could guess: webhook secrets shorter than 16 characters
    and placeholders (fewer than 8 distinct characters). One message per problem, never the value."""
    webhook_secrets = {"NOWPAYMENTS_IPN_SECRET": values["NOWPAYMENTS_IPN_SECRET"]}
    if kinguin_secret is not None:
        webhook_secrets["KINGUIN_WEBHOOK_SECRET"] = kinguin_secret
    for name, value in webhook_secrets.items():
        if value is not None and len(value) < MIN_WEBHOOK_SECRET_CHARS:
            problems.append(f"BITLOOT_{name} must be at least {MIN_WEBHOOK_SECRET_CHARS} characters.")
        elif value is not None and _placeholder(value):
            problems.append(_placeholder_problem(name))
    for name in ("LINK_SECRET", "KEY_FINGERPRINT_SECRET", "ADMIN_TOKEN"):
        value = values[name]
        if value is not None and len(value) >= MIN_SECRET_BYTES and _placeholder(value):
            problems.append(_placeholder_problem(name))


def _check_master_keys(keyring: MasterKeyring, problems: list[str]) -> None:
    for version in sorted(keyring.versions):
        if len(set(keyring.versions[version])) < MIN_DISTINCT_CHARS:
            problems.append(
                f"BITLOOT_MASTER_KEYS: master key version {version} looks like a placeholder "
                "(too few distinct bytes); generate one with `openssl rand -base64 32`."
            )


def _placeholder(value: str) -> bool:
    return len(set(value)) < MIN_DISTINCT_CHARS


def _placeholder_problem(name: str) -> str:
    return (
        f"BITLOOT_{name} looks like a placeholder (fewer than {MIN_DISTINCT_CHARS} distinct characters); "
        "generate one with `openssl rand -base64 32`."
    )


def _keyring(spec: str | None, active: str | None, problems: list[str]) -> MasterKeyring | None:
    if spec is None:
        return None
    try:
        return MasterKeyring.parse(spec, int(active) if active else None)
    except ValueError as exc:
        problems.append(f"BITLOOT_MASTER_KEYS / BITLOOT_ACTIVE_KEY_VERSION: {exc}")
        return None


def _secret_bytes(name: str, value: str | None, problems: list[str]) -> bytes | None:
    """A secret given as base64 (or any text of enough length, taken as its UTF-8 bytes)."""
    if value is None:
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        raw = value.encode("utf-8")
    if len(raw) < MIN_SECRET_BYTES:
        problems.append(f"BITLOOT_{name} must hold at least {MIN_SECRET_BYTES} bytes.")
        return None
    return raw


def _generated_secrets(data_dir: Path) -> dict[str, str]:
    """The embedded secrets, made once and kept (mode 0600) so tokens and keys survive restarts. A
    file from an older version gets the secrets it lacks added."""
    path = data_dir / SECRETS_FILE
    stored: dict[str, str] = json.loads(path.read_text("utf-8")) if path.exists() else {}
    generators: dict[str, Callable[[], str]] = {
        "master_keys": lambda: MasterKeyring.generate().serialize(),
        "link_secret": lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
        "fingerprint_secret": lambda: base64.b64encode(secrets.token_bytes(32)).decode(),
        "ipn_secret": lambda: secrets.token_hex(32),
        "admin_token": lambda: secrets.token_urlsafe(32),
    }
    missing = [name for name in generators if name not in stored]
    if not missing:
        return stored
    generated = {**stored, **{name: generators[name]() for name in missing}}
    secure_data_dir(data_dir)
    temporary = path.with_name(f".{SECRETS_FILE}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(generated, handle, indent=2)
    temporary.replace(path)
    log.warning(
        "generated development secrets (%s) into %s; set BITLOOT_MASTER_KEYS, BITLOOT_LINK_SECRET, "
        "BITLOOT_KEY_FINGERPRINT_SECRET, BITLOOT_NOWPAYMENTS_IPN_SECRET and BITLOOT_ADMIN_TOKEN in "
        "production",
        ", ".join(missing),
        path,
    )
    return generated
