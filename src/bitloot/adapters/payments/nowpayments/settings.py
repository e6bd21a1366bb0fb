"""What the NOWPayments adapter is configured with: the API key, the base URL, the account's login (for
listing an invoice's payments, see `lookups`), and the time bounds and retries of `transport`."""

from dataclasses import dataclass, field

DEFAULT_BASE_URL = "https://api.nowpayments.io"


@dataclass(frozen=True, slots=True)
class NowPaymentsSettings:
    api_key: str = field(repr=False)
    base_url: str = DEFAULT_BASE_URL
    # The account's login, needed only to list an invoice's payments (see `lookups`).
    email: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    connect_seconds: float = 3.0
    read_seconds: float = 10.0
    attempts: int = 3
    backoff_seconds: float = 0.25
    # The whole of `start_payment`, retries included.
    total_seconds: float = 20.0

    @property
    def can_list_payments(self) -> bool:
        return self.email is not None and self.password is not None
