"""The HTTP app through Litestar's test client, on a real SQLite file and a local keys folder."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from bitloot.adapters.payments.nowpayments_webhook import sign_ipn
from bitloot.adapters.persistence.sqla.migrate import upgrade
from bitloot.entrypoints.http.app import create_app
from bitloot.entrypoints.settings import Settings, load_settings
from bitloot.entrypoints.tasks import build_broker


@dataclass
class Shop:
    client: AsyncTestClient[Any]
    settings: Settings

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.secrets.admin_token}"}

    async def product(self, keys: list[str], sku: str = "GAME-1", price: str = "19.99") -> dict[str, Any]:
        created = await self.client.post(
            "/admin/products", json={"sku": sku, "name": f"Game {sku}", "price": price, "currency": "EUR"},
            headers=self.admin,
        )
        assert created.status_code == 201, created.text
        product: dict[str, Any] = created.json()
        if keys:
            imported = await self.client.post(
                f"/admin/products/{product['id']}/keys", json={"keys": keys}, headers=self.admin
            )
            assert imported.status_code == 201, imported.text
        return product

    async def order(self, product_id: str, quantity: int = 1) -> dict[str, Any]:
        placed = await self.client.post(
            "/orders", json={"email": "player@example.com", "items": [{"productId": product_id, "quantity": quantity}]}
        )
        assert placed.status_code == 201, placed.text
        order: dict[str, Any] = placed.json()
        return order

    def ipn(self, order: dict[str, Any], status: str = "finished", **changes: Any) -> tuple[bytes, dict[str, str]]:
        """A signed IPN for `order`, as NOWPayments would post it."""
        payload: dict[str, Any] = {
            "payment_id": 5077125051,
            "payment_status": status,
            "pay_address": "bc1qexample",
            "price_amount": float(order["total"]),
            "price_currency": order["currency"].lower(),
            "pay_amount": 0.00032,
            "actually_paid": 0.00032,
            "pay_currency": "btc",
            "order_id": order["id"],
            "order_description": "BitLoot order",
            "fee": {"currency": "btc", "depositFee": 0, "withdrawalFee": 0, "serviceFee": 0},
            **changes,
        }
        body, signature = sign_ipn(payload, self.settings.secrets.ipn_secret)
        return body, {"x-nowpayments-sig": signature, "content-type": "application/json"}

    async def pay(self, order: dict[str, Any], status: str = "finished") -> None:
        body, headers = self.ipn(order, status)
        answer = await self.client.post("/payments/ipn", content=body, headers=headers)
        assert answer.status_code == 200, answer.text

    @staticmethod
    def bearer(order: dict[str, Any]) -> dict[str, str]:
        return {"Authorization": f"Bearer {order['accessToken']}"}


def embedded_settings(data_dir: Path) -> Settings:
    return load_settings({"BITLOOT_DATA_DIR": str(data_dir), "BITLOOT_ENV": "test",
                          "BITLOOT_PUBLIC_BASE_URL": "https://shop.example"})


@pytest.fixture
async def shop(tmp_path: Path) -> AsyncIterator[Shop]:
    settings = embedded_settings(tmp_path)
    await asyncio.to_thread(upgrade, settings.database_url)
    # Jobs run before `kiq` returns, so an IPN's answer comes after its fulfilment.
    app = create_app(settings, build_broker(settings, await_inplace=True))
    async with AsyncTestClient(app) as client:
        yield Shop(client, settings)
