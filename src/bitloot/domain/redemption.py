"""How a customer redeems a product's key: the platform, the steps, and where to activate it
(docs/stock-integrity.md). Shown on the customer's pages; never holds a key."""

from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from bitloot.domain.errors import InvalidValue

MAX_PLATFORM: Final = 40
MAX_STEPS: Final = 2000
MAX_URL: Final = 500


@dataclass(frozen=True, slots=True)
class Redemption:
    platform: str
    steps: str
    # Where the customer activates the key; https only, so the page never sends them to a plain link.
    activation_url: str | None = None

    def __post_init__(self) -> None:
        if not self.platform.strip() or len(self.platform) > MAX_PLATFORM:
            raise InvalidValue(f"A redemption platform is 1 to {MAX_PLATFORM} characters.")
        if not self.steps.strip() or len(self.steps) > MAX_STEPS:
            raise InvalidValue(f"Redemption steps are 1 to {MAX_STEPS} characters.")
        if self.activation_url is not None and not _is_https(self.activation_url):
            raise InvalidValue(f"An activation URL is an https:// address of at most {MAX_URL} characters.")


def _is_https(url: str) -> bool:
    if len(url) > MAX_URL or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme == "https" and bool(parts.hostname)
