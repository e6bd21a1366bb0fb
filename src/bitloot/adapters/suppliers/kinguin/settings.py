"""What the Kinguin adapter is configured with: the API key, the base URL, and the time bounds and
retries of `transport`."""

from dataclasses import dataclass, field
from typing import Final

DEFAULT_BASE_URL: Final = "https://gateway.kinguin.net/esa/api"


@dataclass(frozen=True, slots=True)
class KinguinSettings:
    api_key: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    connect_timeout: float = 3.0
    read_timeout: float = 10.0
    # Attempts of a GET (the first one included); a POST is made once.
    get_attempts: int = 3
    retry_backoff: float = 0.5
    keys_page_size: int = 25
