"""How many granian workers `bitloot serve` runs when `--workers` does not say.

One per core for a production shop on PostgreSQL with its jobs on Redis: a single Python process
serves one core's worth of requests, and the workers share nothing but the services (metrics add up
across them, docs/metrics.md). One otherwise: an embedded shop runs its jobs and the reconciler in
the API process, and SQLite takes one writer at a time."""

import os

from bitloot.entrypoints.config import Settings


def cores() -> int:
    """The cores this process may run on (fewer than the machine's when pinned to some)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def default_workers(settings: Settings) -> int:
    sqlite = settings.database_url.startswith("sqlite")
    if settings.production and settings.broker_url and not sqlite:
        return cores()
    return 1
