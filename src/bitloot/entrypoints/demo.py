"""`bitloot demo`: start a throwaway embedded shop and walk one order from placed to revealed."""

import asyncio
import logging
import os
import secrets
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

STEP_TIMEOUT_SECONDS = 15.0


def say(step: str, detail: str = "") -> None:
    print(f"\n==> {step}" + (f"\n    {detail}" if detail else ""), flush=True)


async def run_demo(keep: bool = False) -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    data_dir = Path(tempfile.mkdtemp(prefix="bitloot-demo-"))
    port = _free_port()
    admin_token = secrets.token_urlsafe(32)
    env = {
        **os.environ,
        "BITLOOT_DATA_DIR": str(data_dir),
        "BITLOOT_ADMIN_TOKEN": admin_token,
        "BITLOOT_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    say("Starting an embedded BitLoot", f"data in {data_dir}, listening on 127.0.0.1:{port}")
    server = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bitloot.entrypoints.cli", "serve", "--port", str(port)),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            await _wait_until_up(client)
            await _walk(client, admin_token)
        say("Done", "the order went placed -> paid -> fulfilled -> revealed, and every reveal is audited.")
        return 0
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), timeout=10)
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)


async def _walk(client: httpx.AsyncClient, admin_token: str) -> None:
    products = (await client.get("/products")).raise_for_status().json()
    product = next(p for p in products if p["available"] >= 2)
    say("1. The catalog", f"{len(products)} products; buying 2 x {product['name']} at {product['price']} EUR")

    placed = await client.post(
        "/orders",
        json={
            "email": "player@example.com",
            "items": [{"productId": product["id"], "quantity": 2}],
        },
    )
    order = placed.raise_for_status().json()
    bearer = {"Authorization": f"Bearer {order['accessToken']}"}
    say(
        "2. Order placed",
        f"id {order['id']}, status {order['status']}, total {order['total']} "
        f"{order['currency']}\n    access token shown once (only its hash is stored)\n"
        f"    pay at {order['paymentUrl']}",
    )

    status = (await client.get(f"/fulfillment/{order['id']}/status", headers=bearer)).json()
    say("3. Status before paying", f"{status['status']} ({status['orderStatus']})")

    paid = await client.post(order["paymentUrl"], data={"status": "finished"})
    say("4. Paid through the simulator", f"it sent a signed NOWPayments IPN: HTTP {paid.status_code}")
    again = await client.post(order["paymentUrl"], data={"status": "finished"})
    say("   The same IPN again", f"HTTP {again.status_code}; the state machine makes a repeat harmless")

    status = await _until_fulfilled(client, order["id"], bearer)
    say("5. Fulfilled", f"{status['itemsFulfilled']}/{status['itemsTotal']} items at {status['fulfilledAt']}")

    link = (await client.get(f"/fulfillment/{order['id']}/download-link", headers=bearer)).json()
    say("6. Delivery link (15 minutes)", f"{link['signedUrl']}\n    expires {link['expiresAt']}")

    page = (await client.get(link["signedUrl"])).raise_for_status()
    say(
        "7. The link's page",
        f"HTTP {page.status_code}: shows the order and a reveal button, no key (mail scanners open links)",
    )

    revealed = await client.post(
        f"{link['signedUrl']}/reveal",
        headers={
            "Accept": "application/json",
            "User-Agent": "bitloot-demo/1.0",
        },
    )
    body = revealed.raise_for_status().json()
    keys = "\n    ".join(f"{k['key']} ({k['contentType']})" for k in body["keys"])
    if any(k["key"] in page.text for k in body["keys"]):
        raise AssertionError("the delivery page showed a key before the reveal")
    say("8. Revealed through the link", f"Cache-Control: {revealed.headers.get('cache-control')}\n    {keys}")

    details = (
        await client.get(f"/admin/orders/{order['id']}", headers={"Authorization": f"Bearer {admin_token}"})
    ).json()
    say("9. The operator's audit trail", _audit_lines(details))


def _audit_lines(details: Mapping[str, Any]) -> str:
    lines = [f"payment {p['status']} -> {p['outcome']}" for p in details["payments"]]
    lines += [
        f"reveal of key {r['keyId'][:8]}... via {r['channel']} from {r['ip']} ({r['userAgent']}): "
        f"{r['outcome']}"
        for r in details["reveals"]
    ]
    return "\n    ".join(lines)


async def _until_fulfilled(client: httpx.AsyncClient, order_id: str, bearer: dict[str, str]) -> Any:
    deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        status = (await client.get(f"/fulfillment/{order_id}/status", headers=bearer)).json()
        if status["status"] in ("fulfilled", "failed"):
            return status
        await asyncio.sleep(0.1)
    raise TimeoutError("the order was not fulfilled in time")


async def _wait_until_up(client: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + STEP_TIMEOUT_SECONDS * 2
    while time.monotonic() < deadline:
        try:
            if (await client.get("/fulfillment/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise TimeoutError("the server did not start")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
