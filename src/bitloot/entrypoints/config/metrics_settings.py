"""`BITLOOT_METRICS_*`: whether metrics are kept at all, where a `bitloot worker` serves its metrics,
who may scrape the API's `/metrics`, and how often the API reads the figures that need the database
(docs/metrics.md)."""

import ipaddress
from dataclasses import dataclass, field

from bitloot.entrypoints.config.environment import PREFIX, Environment

DEFAULT_EVERY_SECONDS = 5
MAX_PORT = 65_535
SWITCH = {"on": True, "off": False}


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    # `BITLOOT_METRICS`: `on` (the default) or `off`: no recording, no `/metrics`, no middleware, no
    # listener and no database figures loop (for measuring what metrics cost, `just bench`).
    enabled: bool = True
    # `BITLOOT_METRICS_PORT`: a worker's metrics listener; None: no listener.
    port: int | None = None
    # `BITLOOT_METRICS_ADDR`: the address it listens on (loopback unless told otherwise).
    addr: str = "127.0.0.1"
    # `BITLOOT_METRICS_TOKEN`: when set, the API's `/metrics` answers only `Authorization: Bearer <it>`.
    token: str | None = field(default=None, repr=False)
    # `BITLOOT_METRICS_EVERY_SECONDS`: how often the API reads orders, outbox, emails and stock.
    every_seconds: int = DEFAULT_EVERY_SECONDS


def _positive(env: Environment, name: str, most: int | None = None) -> int | None:
    raw = env.get(name)
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1 or (most is not None and int(raw) > most):
        bound = f" up to {most}" if most is not None else ""
        env.refuse(f"{PREFIX}{name} is a positive whole number{bound}.")
        return None
    return int(raw)


def metrics_settings(env: Environment) -> MetricsSettings:
    addr = env.get("METRICS_ADDR") or "127.0.0.1"
    try:
        ipaddress.ip_address(addr)
    except ValueError:
        env.refuse(f"{PREFIX}METRICS_ADDR is an IP address (127.0.0.1, 0.0.0.0, ::1).")
    switch = (env.get("METRICS") or "on").lower()
    if switch not in SWITCH:
        env.refuse(f"{PREFIX}METRICS is on or off.")
    return MetricsSettings(
        enabled=SWITCH.get(switch, True),
        port=_positive(env, "METRICS_PORT", MAX_PORT),
        addr=addr,
        token=env.get("METRICS_TOKEN"),
        every_seconds=_positive(env, "METRICS_EVERY_SECONDS") or DEFAULT_EVERY_SECONDS,
    )
