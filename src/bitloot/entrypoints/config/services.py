"""The settings of the outside services the shop talks to: S3 storage, NOWPayments, the SMTP server
and Kinguin, and the shop's identity. Each service is None when not configured, and its embedded
stand-in is used instead (a local folder, the payment simulator, the log) or, for Kinguin, no supplier
at all.

A problem never repeats a key, a password or a URL that may hold one.
"""

from urllib.parse import urlparse

from bitloot.adapters.email.address_rules import EmailValidatorAddresses
from bitloot.adapters.email.smtp_sender import SmtpSettings
from bitloot.adapters.payments.nowpayments.settings import DEFAULT_BASE_URL, NowPaymentsSettings
from bitloot.adapters.storage.s3_settings import S3Settings
from bitloot.adapters.suppliers.kinguin.settings import DEFAULT_BASE_URL as KINGUIN_BASE_URL
from bitloot.adapters.suppliers.kinguin.settings import KinguinSettings
from bitloot.domain.errors import InvalidValue
from bitloot.domain.shop import DEFAULT_SHOP_NAME, MAX_SHOP_NAME_LENGTH, ShopIdentity
from bitloot.entrypoints.config.environment import Environment

HTTP = ("http", "https")


def s3_settings(env: Environment, storage_url: str) -> S3Settings | None:
    """S3 when `BITLOOT_STORAGE_URL` is `s3://bucket`; None for a `file://` folder."""
    parsed = urlparse(storage_url)
    if parsed.scheme != "s3" or env.refused("STORAGE_URL"):
        return None
    if not parsed.netloc:
        env.refuse("BITLOOT_STORAGE_URL is s3://bucket or file://directory.")
        return None
    access_key, secret_key = env.get("S3_ACCESS_KEY_ID"), env.get("S3_SECRET_ACCESS_KEY")
    if access_key is None or secret_key is None:
        env.refuse(
            "BITLOOT_S3_ACCESS_KEY_ID and BITLOOT_S3_SECRET_ACCESS_KEY are required for s3:// storage."
        )
        return None
    return S3Settings(
        bucket=parsed.netloc,
        endpoint_url=env.get("S3_ENDPOINT_URL"),
        region=env.get("S3_REGION") or "auto",
        access_key_id=access_key,
        secret_access_key=secret_key,
    )


def nowpayments_settings(env: Environment, production: bool) -> NowPaymentsSettings | None:
    """NOWPayments' API, used when its key is set (required in production); otherwise the simulator."""
    api_key = env.get("NOWPAYMENTS_API_KEY")
    base_url = env.url("NOWPAYMENTS_BASE_URL", HTTP, DEFAULT_BASE_URL, host=True).rstrip("/")
    email, password = env.get("NOWPAYMENTS_EMAIL"), env.get("NOWPAYMENTS_PASSWORD")
    if (email is None) != (password is None):
        env.refuse("BITLOOT_NOWPAYMENTS_EMAIL and BITLOOT_NOWPAYMENTS_PASSWORD are set together.")
    if api_key is None:
        if production:
            env.refuse("BITLOOT_NOWPAYMENTS_API_KEY is required in production.")
        return None
    return NowPaymentsSettings(api_key=api_key, base_url=base_url, email=email, password=password)


def smtp_settings(env: Environment) -> SmtpSettings | None:
    """The mail server of `BITLOOT_SMTP_URL`, or None for the log email sender. A problem never
    repeats the URL: it may hold the SMTP password."""
    url = env.get("SMTP_URL")
    if url is None:
        return None
    try:
        return SmtpSettings.parse(url)
    except ValueError as exc:
        env.refuse(f"BITLOOT_SMTP_URL is not valid: {exc}.")
        return None


def kinguin_settings(env: Environment) -> KinguinSettings | None:
    """The Kinguin supplier when `BITLOOT_KINGUIN_API_KEY` is set."""
    base_url = env.url("KINGUIN_BASE_URL", HTTP, KINGUIN_BASE_URL, host=True).rstrip("/")
    api_key = env.get("KINGUIN_API_KEY")
    if api_key is None or env.refused("KINGUIN_BASE_URL"):
        return None
    return KinguinSettings(api_key=api_key, base_url=base_url)


def kinguin_webhook_secret(env: Environment) -> bytes | None:
    """`BITLOOT_KINGUIN_WEBHOOK_SECRET`; None refuses every Kinguin webhook delivery."""
    secret = env.get("KINGUIN_WEBHOOK_SECRET")
    return secret.encode("utf-8") if secret else None


def shop_identity(env: Environment) -> ShopIdentity:
    """`BITLOOT_SHOP_NAME` (default BitLoot) and `BITLOOT_SUPPORT_EMAIL` (optional), as every customer
    page and email names them."""
    name = " ".join((env.get("SHOP_NAME") or DEFAULT_SHOP_NAME).split())
    if len(name) > MAX_SHOP_NAME_LENGTH:
        env.refuse(f"BITLOOT_SHOP_NAME has at most {MAX_SHOP_NAME_LENGTH} characters.")
        name = DEFAULT_SHOP_NAME
    support = env.get("SUPPORT_EMAIL")
    if support is not None:
        try:
            support = EmailValidatorAddresses().normalized(support)
        except InvalidValue:
            env.refuse("BITLOOT_SUPPORT_EMAIL is an email address.")
            support = None
    return ShopIdentity(name=name, support_email=support)
