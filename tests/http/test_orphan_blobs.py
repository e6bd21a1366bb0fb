"""The orphan blob sweeper through the embedded shop: the API process's reconciler deletes sealed blobs
no row names once they are over an hour old, and never a key a customer owns or a unit in stock."""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from litestar.testing import AsyncTestClient

from bitloot.domain.ids import new_id
from bitloot.entrypoints.config import load_settings
from bitloot.entrypoints.http.app import create_app
from bitloot.entrypoints.tasks import build_broker
from tests.http.conftest import Shop
from tests.support.sqlite_template import upgrade_from_template

# The reconciler (every second here) sweeps at most this often.
SWEEP_EVERY_SECONDS = 1


@asynccontextmanager
async def sweeping_shop(data_dir: Path) -> AsyncIterator[Shop]:
    settings = load_settings(
        {
            "BITLOOT_DATA_DIR": str(data_dir),
            "BITLOOT_ENV": "test",
            "BITLOOT_PUBLIC_BASE_URL": "https://shop.example",
            "BITLOOT_RECONCILE_EVERY_SECONDS": "1",
            "BITLOOT_ORPHAN_SWEEP_EVERY_SECONDS": str(SWEEP_EVERY_SECONDS),
        }
    )
    await asyncio.to_thread(upgrade_from_template, settings.database_url)
    app = create_app(settings, build_broker(settings, await_inplace=True))
    async with AsyncTestClient(app) as client:
        yield Shop(client, settings)


def blobs(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def left_behind(root: Path, path: str, age: timedelta) -> None:
    """A sealed blob no row names, written `age` ago (as a crashed worker or import leaves it)."""
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(os.urandom(64))
    written = (datetime.now(UTC) - age).timestamp()
    os.utime(target, (written, written))


async def test_the_reconciler_deletes_old_orphans_and_keeps_every_key(tmp_path: Path) -> None:
    async with sweeping_shop(tmp_path) as shop:
        root = shop.settings.storage_dir
        product = await shop.product(["SWEEP-KEY-0001", "SWEEP-KEY-0002"])
        order = await shop.order(product["id"])
        await shop.pay(order)
        owned = blobs(root)
        assert len(owned) == 3  # two stock units (one sold) and the delivered key

        old_key, old_stock = f"keys/{order['id']}/{new_id()}", f"stock/{product['id']}/{new_id()}"
        young = f"keys/{new_id()}/{new_id()}"
        left_behind(root, old_key, timedelta(hours=2))
        left_behind(root, old_stock, timedelta(hours=3))
        left_behind(root, young, timedelta(minutes=50))

        for _ in range(50):
            if not {old_key, old_stock} & blobs(root):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(2.5 * SWEEP_EVERY_SECONDS)  # more rounds: nothing else goes
        assert blobs(root) == owned | {young}

        # The owner still reveals the key.
        revealed = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))
        assert revealed.status_code == 200, revealed.text
        [key] = [k["key"] for k in revealed.json()["keys"]]
        assert key in ("SWEEP-KEY-0001", "SWEEP-KEY-0002")
