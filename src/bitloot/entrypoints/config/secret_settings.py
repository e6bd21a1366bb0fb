"""The shop's five secrets: the master keys, the link and fingerprint secrets, the NOWPayments IPN
secret and the admin token. Each comes from its `BITLOOT_*` variable; outside production a missing
one is taken from the generated `secrets.json`, so an embedded shop needs none set.
"""

import base64
from pathlib import Path

from bitloot.adapters.crypto.keyring import MasterKeyring
from bitloot.entrypoints.config.dev_secrets import generated_secrets
from bitloot.entrypoints.config.environment import PREFIX, Environment
from bitloot.entrypoints.config.settings import Secrets
from bitloot.entrypoints.config.strength import MIN_SECRET_BYTES, check_master_keys, check_strength

# Each secret's variable (without the prefix) and its name in `secrets.json`.
STORED_AS = {
    "MASTER_KEYS": "master_keys",
    "LINK_SECRET": "link_secret",
    "KEY_FINGERPRINT_SECRET": "fingerprint_secret",
    "NOWPAYMENTS_IPN_SECRET": "ipn_secret",
    "ADMIN_TOKEN": "admin_token",
}


def load_secrets(env: Environment, production: bool, data_dir: Path) -> Secrets | None:
    """The secrets, or None when any is missing or refused (each problem noted in `env`)."""
    stored = {} if production else generated_secrets(data_dir)
    values = {name: env.get(name) or stored.get(key) for name, key in STORED_AS.items()}
    for name, value in values.items():
        if value is None:
            env.refuse(f"{PREFIX}{name} is required in production.")
    keyring = _keyring(env, values["MASTER_KEYS"])
    if keyring is not None and production:
        check_master_keys(env, keyring)
    link_secret = _secret_bytes(env, "LINK_SECRET", values["LINK_SECRET"])
    fingerprint_secret = _secret_bytes(env, "KEY_FINGERPRINT_SECRET", values["KEY_FINGERPRINT_SECRET"])
    admin_token = values["ADMIN_TOKEN"]
    if admin_token is not None and len(admin_token) < MIN_SECRET_BYTES:
        env.refuse(f"{PREFIX}ADMIN_TOKEN must be at least {MIN_SECRET_BYTES} characters.")
    ipn_secret = values["NOWPAYMENTS_IPN_SECRET"]
    if production:
        check_strength(env, values, env.get("KINGUIN_WEBHOOK_SECRET"))
    if (
        keyring is None
        or link_secret is None
        or fingerprint_secret is None
        or ipn_secret is None
        or admin_token is None
        or env.problems
    ):
        return None
    return Secrets(keyring, link_secret, ipn_secret.encode("utf-8"), admin_token, fingerprint_secret)


def _keyring(env: Environment, spec: str | None) -> MasterKeyring | None:
    if spec is None:
        return None
    active = env.get("ACTIVE_KEY_VERSION")
    try:
        return MasterKeyring.parse(spec, int(active) if active else None)
    except ValueError as exc:
        env.refuse(f"{PREFIX}MASTER_KEYS / {PREFIX}ACTIVE_KEY_VERSION: {exc}")
        return None


def _secret_bytes(env: Environment, name: str, value: str | None) -> bytes | None:
    """A secret given as base64 (or any text of enough length, taken as its UTF-8 bytes)."""
    if value is None:
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError:
        raw = value.encode("utf-8")
    if len(raw) < MIN_SECRET_BYTES:
        env.refuse(f"{PREFIX}{name} must hold at least {MIN_SECRET_BYTES} bytes.")
        return None
    return raw
