"""Client CPU per S3 call of the sealed-blob store, against a throwaway SeaweedFS.

`uv run python -m bench.s3_calls [module:Class]` puts and gets 200 blobs one after another, then 200 at
once, and prints the store process's CPU time (`time.process_time`) per call: the server's CPU is
not counted. The blobs are the size of a sealed key's."""

import asyncio
import importlib
import os
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import uvloop
from tests.infra.seaweed import start_seaweed

from bitloot.adapters.storage.s3_settings import S3Settings

CALLS = 200
BLOB = os.urandom(120)
DEFAULT_STORE = "bitloot.adapters.storage.s3:S3BlobStore"


def _store_class(spec: str) -> Any:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


async def _cpu_per_call(calls: Sequence[Callable[[], Awaitable[object]]], *, concurrent: bool) -> float:
    started = time.process_time()
    if concurrent:
        await asyncio.gather(*(call() for call in calls))
    else:
        for call in calls:
            await call()
    return (time.process_time() - started) / len(calls) * 1000


def _rss_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmRSS:")[1].split()[0]) / 1024


async def measure(spec: str) -> None:
    seaweed = start_seaweed()
    try:
        settings = S3Settings(
            "bitloot-bench",
            seaweed.endpoint_url,
            "us-east-1",
            seaweed.access_key_id,
            seaweed.secret_access_key,
        )
        store = _store_class(spec)(settings)
        await store.open()
        try:
            await store.ensure_bucket()
            for _ in range(20):  # warm: connections, lazily built parts of the client
                await store.put("keys/warm/up", BLOB)
                await store.get("keys/warm/up")
            for concurrent in (False, True):
                paths = [f"keys/{'c' if concurrent else 's'}{n:04}/k" for n in range(CALLS)]
                puts = [partial(store.put, path, BLOB) for path in paths]
                put = await _cpu_per_call(puts, concurrent=concurrent)
                get = await _cpu_per_call([partial(store.get, path) for path in paths], concurrent=concurrent)
                if [await store.get(path) for path in paths[:3]] != [BLOB] * 3:
                    raise SystemExit("a blob did not read back")
                mode = "concurrent" if concurrent else "sequential"
                print(f"{spec} {CALLS} {mode}: {put:.2f} ms CPU per PUT, {get:.2f} ms CPU per GET")
            print(f"{spec}: this process holds {_rss_mb():.0f} MB RSS")
        finally:
            await store.close()
    finally:
        seaweed.stop()


if __name__ == "__main__":
    uvloop.run(measure(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_STORE))
