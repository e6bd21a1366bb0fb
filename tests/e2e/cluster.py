"""A production-shaped BitLoot on real services, as separate processes: `bitloot serve` and
`bitloot worker`s on PostgreSQL, Redis and SeaweedFS S3, driven over HTTP like NOWPayments would."""

import asyncio
import base64
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from tests.factories.http import keys_body, order_body, product_body
from tests.infra.ports import free_ports, wait_for_port
from tests.support.ipn import ipn_request_for

PYTHON = sys.executable


@dataclass
class Cluster:
    env: dict[str, str]
    directory: Path
    api_port: int
    api: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    # More `bitloot serve` processes on the same services (`start_another_api`).
    more_apis: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.env['BITLOOT_ADMIN_TOKEN']}"}

    @property
    def ipn_secret(self) -> bytes:
        return self.env["BITLOOT_NOWPAYMENTS_IPN_SECRET"].encode()

    def _spawn(
        self, name: str, *args: str, extra_env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = (self.directory / f"{name}.log").open("ab")
        with log:
            return subprocess.Popen(  # noqa: S603 - our own CLI
                [PYTHON, "-m", "bitloot.entrypoints.cli", *args],
                env={**self.env, **(extra_env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def migrate(self) -> None:
        subprocess.run(  # noqa: S603 - our own CLI
            [PYTHON, "-m", "bitloot.entrypoints.cli", "migrate"],
            env=self.env,
            check=True,
            capture_output=True,
        )

    def start_api(self, workers: int = 1) -> None:
        """`workers`: granian worker processes of the one `bitloot serve`."""
        self.api = self._spawn("api", "serve", "--port", str(self.api_port), "--workers", str(workers))
        if not wait_for_port(self.api_port, 30):
            raise RuntimeError(f"the API did not start; see {self.directory / 'api.log'}")

    def start_another_api(self) -> str:
        """One more `bitloot serve`, on a port of its own, sharing everything with the first; its URL."""
        port = free_api_port()
        name = f"api-{len(self.more_apis) + 2}"
        self.more_apis.append(self._spawn(name, "serve", "--port", str(port)))
        if not wait_for_port(port, 30):
            raise RuntimeError(f"the API did not start; see {self.directory / f'{name}.log'}")
        return f"http://127.0.0.1:{port}"

    def start_worker(
        self, *providers: str, name: str | None = None, extra_env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """`extra_env`: variables of this worker only (its own `BITLOOT_METRICS_PORT`, say)."""
        args = ["worker"]
        for provider in providers:
            args += ["--provider", provider]
        worker = self._spawn(name or f"worker-{len(self.workers) + 1}", *args, extra_env=extra_env)
        self.workers.append(worker)
        return worker

    def stop(self) -> None:
        for process in [*self.workers, *self.more_apis, *([self.api] if self.api else [])]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in [*self.workers, *self.more_apis, *([self.api] if self.api else [])]:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def log(self, name: str) -> str:
        path = self.directory / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    async def wait_for_log(self, name: str, text: str, *, within: float, count: int = 1) -> None:
        """Until `text` stands `count` times in the process's log: evidence instead of a fixed sleep,
        however slow the machine or the process's start."""
        deadline = time.monotonic() + within
        while self.log(name).count(text) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not {count} time(s) in {name}'s log within {within}s")
            await asyncio.sleep(0.2)


FAST_TIMINGS = {
    "BITLOOT_LEASE_SECONDS": "3",
    "BITLOOT_RECONCILE_EVERY_SECONDS": "1",
    "BITLOOT_RECONCILE_GRACE_SECONDS": "2",
    "BITLOOT_EMAIL_LEASE_SECONDS": "3",
}


def cluster_env(
    *,
    database_url: str,
    redis_url: str,
    queue_name: str,
    s3_endpoint: str,
    s3_key: str,
    s3_secret: str,
    bucket: str,
    data_dir: Path,
    api_port: int,
    tuning: dict[str, str] | None = None,
    nowpayments_url: str | None = None,
    nowpayments_api_key: str | None = None,
    fast_timings: bool = True,
) -> dict[str, str]:
    """`fast_timings`: the short lease and reconciler timings of `FAST_TIMINGS`, so that crash tests
    finish quickly; False runs with the shipped defaults."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("BITLOOT_")}
    return {
        **inherited,
        "BITLOOT_ENV": "production",
        "BITLOOT_DATA_DIR": str(data_dir),
        "BITLOOT_DATABASE_URL": database_url,
        "BITLOOT_BROKER_URL": redis_url,
        "BITLOOT_QUEUE_NAME": queue_name,
        "BITLOOT_STORAGE_URL": f"s3://{bucket}",
        "BITLOOT_S3_ENDPOINT_URL": s3_endpoint,
        "BITLOOT_S3_ACCESS_KEY_ID": s3_key,
        "BITLOOT_S3_SECRET_ACCESS_KEY": s3_secret,
        "BITLOOT_S3_REGION": "us-east-1",
        "BITLOOT_MASTER_KEYS": "1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "BITLOOT_LINK_SECRET": base64.b64encode(secrets.token_bytes(32)).decode(),
        "BITLOOT_KEY_FINGERPRINT_SECRET": base64.b64encode(secrets.token_bytes(32)).decode(),
        "BITLOOT_NOWPAYMENTS_IPN_SECRET": secrets.token_hex(24),
        # Invoices come from a fake NOWPayments server of the test process (tests/providers); production
        # refuses to start without the API key.
        **({"BITLOOT_NOWPAYMENTS_BASE_URL": nowpayments_url} if nowpayments_url else {}),
        **({"BITLOOT_NOWPAYMENTS_API_KEY": nowpayments_api_key} if nowpayments_api_key else {}),
        "BITLOOT_ADMIN_TOKEN": secrets.token_urlsafe(32),
        "BITLOOT_PUBLIC_BASE_URL": f"http://127.0.0.1:{api_port}",
        **(FAST_TIMINGS if fast_timings else {}),
        # Load tests and the bench send everything from 127.0.0.1: no per-address limit gets in their way.
        "BITLOOT_ORDER_LIMIT_PER_IP": "1000000",
        "BITLOOT_REVEAL_LIMIT_PER_IP": "1000000",
        "BITLOOT_LINK_LIMIT_PER_IP": "1000000",
        **(tuning or {}),
    }


class Shopper:
    """What the outside world does over HTTP: the operator, customers and NOWPayments."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.http = httpx.AsyncClient(
            base_url=cluster.base_url, timeout=10, limits=httpx.Limits(max_connections=50)
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def product(
        self, keys: Sequence[str], sku: str | None = None, price: str = "9.99"
    ) -> dict[str, Any]:
        sku = sku or f"SKU-{secrets.token_hex(4)}"
        created = await self.http.post(
            "/admin/products",
            json=product_body(sku=sku, name=sku, price=Decimal(price)),
            headers=self.cluster.admin,
        )
        created.raise_for_status()
        product: dict[str, Any] = created.json()
        for start in range(0, len(keys), 1000):
            imported = await self.http.post(
                f"/admin/products/{product['id']}/keys",
                json=keys_body(list(keys[start : start + 1000])),
                headers=self.cluster.admin,
            )
            imported.raise_for_status()
        return product

    async def order(self, product_id: str, quantity: int = 1) -> dict[str, Any]:
        placed = await self.http.post(
            "/orders", json=order_body(product_id, quantity, email="e2e@example.com")
        )
        placed.raise_for_status()
        order: dict[str, Any] = placed.json()
        return order

    def ipn(self, order: dict[str, Any], status: str = "finished") -> tuple[bytes, dict[str, str]]:
        # A payment id of the order's own: many orders are paid in one run.
        payment_id = int(order["id"].replace("-", "")[:12], 16)
        return ipn_request_for(
            order,
            self.cluster.ipn_secret,
            status,
            payment_id=payment_id,
            pay_amount=0.001,
            actually_paid=0.001,
        )

    async def pay(self, order: dict[str, Any]) -> httpx.Response:
        body, headers = self.ipn(order)
        return await self.http.post("/payments/ipn", content=body, headers=headers)

    async def status(self, order: dict[str, Any]) -> dict[str, Any]:
        answer = await self.http.get(
            f"/fulfillment/{order['id']}/status", headers={"Authorization": f"Bearer {order['accessToken']}"}
        )
        answer.raise_for_status()
        status: dict[str, Any] = answer.json()
        return status

    async def wait_fulfilled(self, orders: Sequence[dict[str, Any]], within: float) -> None:
        deadline = time.monotonic() + within
        waiting = list(orders)
        while waiting:
            states = await asyncio.gather(*(self.status(o) for o in waiting))
            waiting = [o for o, s in zip(waiting, states, strict=True) if s["status"] != "fulfilled"]
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(waiting)} order(s) not fulfilled in {within}s: {states[0]}")
            await asyncio.sleep(0.2)

    async def fulfilled_canary_order(self, within: float = 90) -> tuple[str, dict[str, Any]]:
        """A canary key of its own, the only key of a product of its own, sold in an order paid in full
        and fulfilled (not revealed yet): the key to search for afterwards, and the order."""
        canary = f"CANARY-{secrets.token_hex(12).upper()}"
        product = await self.product([canary])
        order = await self.order(product["id"])
        assert (await self.pay(order)).status_code == 200
        await self.wait_fulfilled([order], within=within)
        return canary, order

    async def details(self, order: dict[str, Any]) -> dict[str, Any]:
        answer = await self.http.get(f"/admin/orders/{order['id']}", headers=self.cluster.admin)
        answer.raise_for_status()
        details: dict[str, Any] = answer.json()
        return details

    async def reveal(self, order: dict[str, Any]) -> list[str]:
        answer = await self.http.post(
            f"/fulfillment/{order['id']}/reveal", headers={"Authorization": f"Bearer {order['accessToken']}"}
        )
        answer.raise_for_status()
        return [key["key"] for key in answer.json()["keys"]]

    async def available(self, product_id: str) -> int:
        products = (await self.http.get("/products")).json()
        return int(next(p["available"] for p in products if p["id"] == product_id))


def free_api_port() -> int:
    (port,) = free_ports(1)
    return port
