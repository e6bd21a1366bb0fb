"""Without OTEL_EXPORTER_OTLP_ENDPOINT nothing of OpenTelemetry's tracing is loaded (entrypoints/tracing/):
no SDK tracer, exporter, instrumentation, Litestar or Taskiq OpenTelemetry module, no export thread.
Checked in a fresh interpreter that builds the API app and the worker's tracing, as a process does.

redis-py imports `opentelemetry.sdk.metrics` (and with it `opentelemetry.trace`'s API) by itself
whenever the SDK is installed, so those are not in the list."""

import json
import os
import subprocess
import sys
from pathlib import Path

TRACING_MODULES = (
    "opentelemetry.sdk.trace",
    "opentelemetry.exporter",
    "opentelemetry.instrumentation",
    "opentelemetry.propagate",
    "litestar.plugins.opentelemetry",
    "litestar.contrib.opentelemetry",
    "taskiq.middlewares.opentelemetry_middleware",
    "taskiq.instrumentation",
    "bitloot.entrypoints.tracing.pipeline",
)

SCRIPT = """
import json, sys, threading
from bitloot.entrypoints.config import load_settings
from bitloot.entrypoints.http.app import create_app
from bitloot.entrypoints.tracing import WORKER_SERVICE, start_tracing

settings = load_settings({"BITLOOT_DATA_DIR": sys.argv[1], "BITLOOT_ENV": "test"})
create_app(settings)
worker_tracing = type(start_tracing(WORKER_SERVICE)).__name__
prefixes = tuple(sys.argv[2:])
loaded = sorted(m for m in sys.modules if m.startswith(prefixes))
threads = sorted(t.name for t in threading.enumerate())
print(json.dumps({"loaded": loaded, "threads": threads, "worker": worker_tracing}))
"""


def run(tmp_path: Path, **otel: str) -> dict[str, list[str] | str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "BITLOOT_"))}
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT, str(tmp_path), *TRACING_MODULES],
        env={**env, **otel},
        capture_output=True,
        check=True,
        timeout=120,
    )
    found: dict[str, list[str] | str] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return found


def test_without_an_endpoint_no_tracing_module_is_loaded(tmp_path: Path) -> None:
    off = run(tmp_path)

    assert off["loaded"] == []
    assert off["worker"] == "TracingOff"
    assert not any("Otel" in name or "Span" in name for name in off["threads"])


def test_with_an_endpoint_they_are(tmp_path: Path) -> None:
    """The check above can fail: the same process with an endpoint loads them, and exports from a
    thread of its own (nothing is sent: no span is made)."""
    on = run(tmp_path, OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9")

    assert {
        "opentelemetry.sdk.trace",
        "litestar.plugins.opentelemetry",
        "taskiq.middlewares.opentelemetry_middleware",
        "bitloot.entrypoints.tracing.pipeline",
    } <= set(on["loaded"])
    assert on["worker"] == "OpenTelemetryTracing"
    assert any("Otel" in name or "Span" in name for name in on["threads"])
