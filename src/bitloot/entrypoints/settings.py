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

log = logging.getLogger(__name__)

PREFIX = "BITLOOT_"
SECRETS_FILE = "secrets.json"
MIN_SECRET_BYTES = 32


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
    storage_url = get("STORAGE_URL") or f"file://{data_dir / 'objects'}"
    if not storage_url.startswith("file://"):
        problems.append("BITLOOT_STORAGE_URL: only file:// storage is available in this version.")
    broker_url = get("BROKER_URL")
    if broker_url is not None:
        problems.append("BITLOOT_BROKER_URL: only the in-process queue is available in this version.")
    public_base_url = (get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    if urlparse(public_base_url).scheme not in ("http", "https"):
        problems.append("BITLOOT_PUBLIC_BASE_URL must be an http(s) URL.")
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
    )


def _load_secrets(
    get: Callable[[str], str | None], production: bool, data_dir: Path, problems: list[str]
) -> Secrets | None:
    stored = {} if production else _generated_secrets(data_dir)
    values = {
        "MASTER_KEYS": get("MASTER_KEYS") or stored.get("master_keys"),
        "LINK_SECRET": get("LINK_SECRET") or stored.get("link_secret"),
        "NOWPAYMENTS_IPN_SECRET": get("NOWPAYMENTS_IPN_SECRET") or stored.get("ipn_secret"),
        "ADMIN_TOKEN": get("ADMIN_TOKEN") or stored.get("admin_token"),
    }
    for name, value in values.items():
        if value is None:
            problems.append(f"BITLOOT_{name} is required in production.")
    keyring = _keyring(values["MASTER_KEYS"], get("ACTIVE_KEY_VERSION"), problems)
    link_secret = _secret_bytes("LINK_SECRET", values["LINK_SECRET"], problems)
    admin_token = values["ADMIN_TOKEN"]
    if admin_token is not None and len(admin_token) < MIN_SECRET_BYTES:
        problems.append(f"BITLOOT_ADMIN_TOKEN must be at least {MIN_SECRET_BYTES} characters.")
    ipn_secret = values["NOWPAYMENTS_IPN_SECRET"]
    if keyring is None or link_secret is None or ipn_secret is None or admin_token is None or problems:
        return None
    return Secrets(keyring, link_secret, ipn_secret.encode("utf-8"), admin_token)


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
    """The embedded secrets, made once and kept (mode 0600) so tokens and keys survive restarts."""
    path = data_dir / SECRETS_FILE
    if path.exists():
        loaded: dict[str, str] = json.loads(path.read_text("utf-8"))
        return loaded
    data_dir.mkdir(parents=True, exist_ok=True)
    generated = {
        "master_keys": MasterKeyring.generate().serialize(),
        "link_secret": base64.b64encode(secrets.token_bytes(32)).decode(),
        "ipn_secret": secrets.token_hex(32),
        "admin_token": secrets.token_urlsafe(32),
    }
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(generated, handle, indent=2)
    log.warning(
        "generated development secrets into %s; set BITLOOT_MASTER_KEYS, BITLOOT_LINK_SECRET, "
        "BITLOOT_NOWPAYMENTS_IPN_SECRET and BITLOOT_ADMIN_TOKEN in production",
        path,
    )
    return generated
