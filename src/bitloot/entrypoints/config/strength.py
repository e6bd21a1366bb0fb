"""Production refuses secrets an attacker could guess: webhook secrets shorter than 16 characters,
and placeholders (`aaaa...`, `changeme...`, a master key of a repeated byte). One problem per secret,
never its value.
"""

from collections.abc import Mapping

from bitloot.adapters.crypto.keyring import MasterKeyring
from bitloot.entrypoints.config.environment import PREFIX, Environment

MIN_SECRET_BYTES = 32
# A webhook secret is chosen in the provider's dashboard; shorter than this is guessable offline.
MIN_WEBHOOK_SECRET_CHARS = 16
# Fewer distinct characters than this is a placeholder (`aaaa...`, `changeme`), not a secret.
MIN_DISTINCT_CHARS = 8


def check_strength(env: Environment, values: Mapping[str, str | None], kinguin_secret: str | None) -> None:
    """`values` maps each secret's variable name (without the prefix) to its text, as given."""
    webhook_secrets = {"NOWPAYMENTS_IPN_SECRET": values["NOWPAYMENTS_IPN_SECRET"]}
    if kinguin_secret is not None:
        webhook_secrets["KINGUIN_WEBHOOK_SECRET"] = kinguin_secret
    for name, value in webhook_secrets.items():
        if value is not None and len(value) < MIN_WEBHOOK_SECRET_CHARS:
            env.refuse(f"{PREFIX}{name} must be at least {MIN_WEBHOOK_SECRET_CHARS} characters.")
        elif value is not None and _placeholder(value):
            env.refuse(_placeholder_problem(name))
    # Shorter ones are refused for their length already, in production or not.
    for name in ("LINK_SECRET", "KEY_FINGERPRINT_SECRET", "ADMIN_TOKEN"):
        value = values[name]
        if value is not None and len(value) >= MIN_SECRET_BYTES and _placeholder(value):
            env.refuse(_placeholder_problem(name))


def check_master_keys(env: Environment, keyring: MasterKeyring) -> None:
    for version in sorted(keyring.versions):
        if len(set(keyring.versions[version])) < MIN_DISTINCT_CHARS:
            env.refuse(
                f"{PREFIX}MASTER_KEYS: master key version {version} looks like a placeholder "
                "(too few distinct bytes); generate one with `openssl rand -base64 32`."
            )


def _placeholder(value: str) -> bool:
    return len(set(value)) < MIN_DISTINCT_CHARS


def _placeholder_problem(name: str) -> str:
    return (
        f"{PREFIX}{name} looks like a placeholder (fewer than {MIN_DISTINCT_CHARS} distinct characters); "
        "generate one with `openssl rand -base64 32`."
    )
