"""The composition root: dishka providers that decide which adapter serves each port, one module
per concern.

- `core`: the settings and broker the process hands in, and the clock;
- `persistence`: the SQL database and the sealed-blob store;
- `security`: the vault, key fingerprints, delivery links and rate limits;
- `payments`, `suppliers`, `emails`: NOWPayments or the simulator; own stock and Kinguin; delivery
  emails;
- `jobs`: the fulfillment queue, the lease heartbeat and the background use cases' settings;
- `http_only`: what only the HTTP app asks for (`create_app` adds it; the worker and the CLI go
  without it, and without Litestar);
- `use_cases`: every use case;
- `metrics`: the Prometheus recorder and the wrappers that count and time what other parts do;
- `container`: `container_for(settings, broker, *overrides)`, where an override provider (the fault
  suite's in `tests/e2e/faults.py`, or `bitloot worker --provider`) replaces one part in one line.
"""

from bitloot.entrypoints.ioc.container import container_for, warm_up

__all__ = ["container_for", "warm_up"]
