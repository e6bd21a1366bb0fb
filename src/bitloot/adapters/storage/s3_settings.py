"""Where the S3 store is and how long its calls may take; apart from `s3.py` so that reading the
configuration does not import aiohttp and botocore (half a second of start-up)."""

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class S3Settings:
    bucket: str
    endpoint_url: str | None
    region: str
    access_key_id: str = field(repr=False)
    secret_access_key: str = field(repr=False)
    connect_timeout_seconds: float = 2.0
    read_timeout_seconds: float = 5.0
    max_attempts: int = 3

    @property
    def call_deadline_seconds(self) -> float:
        """A bound on one whole call, retries included. The read timeout alone does not bound a
        call: a server that answers a byte at a time, each before the read timeout, holds it for as
        long as it likes."""
        return (self.connect_timeout_seconds + self.read_timeout_seconds) * self.max_attempts + 1
