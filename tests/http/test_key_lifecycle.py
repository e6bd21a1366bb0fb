"""Key lifecycle through the service: purged keys answer 410 Gone, and the `bitloot keys` commands
run as the operator runs them, in a process of their own against an embedded data folder."""

import argparse
import asyncio
import base64
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from bitloot.entrypoints.config import Settings, load_settings
from bitloot.entrypoints.http.app import create_app
from bitloot.entrypoints.ioc import container_for
from bitloot.entrypoints.keys_cli import run_keys_command
from bitloot.entrypoints.tasks import build_broker
from tests.http.conftest import Shop, assert_problem, open_shop
from tests.support.sqlite_template import upgrade_from_template

PURGED = "This key was purged after the retention period."


async def fulfilled(shop: Shop, keys: list[str], sku: str) -> dict[str, Any]:
    product = await shop.product(keys, sku=sku)
    order = await shop.order(product["id"], quantity=len(keys))
    await shop.pay(order)
    return order


async def reveal(shop: Shop, order: dict[str, Any]) -> Any:
    return await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))


async def revealed_keys(shop: Shop, order: dict[str, Any]) -> list[str]:
    answer = await reveal(shop, order)
    assert answer.status_code == 200, answer.text
    return sorted(key["key"] for key in answer.json()["keys"])


async def test_a_purged_key_answers_410_and_the_others_still_reveal(shop: Shop) -> None:
    seen = await fulfilled(shop, ["SEEN-AAAA-1", "SEEN-BBBB-2"], "SEEN")
    unseen = await fulfilled(shop, ["UNSEEN-CCCC-3"], "UNSEEN")
    assert await revealed_keys(shop, seen) == ["SEEN-AAAA-1", "SEEN-BBBB-2"]

    async def purge() -> None:
        container = container_for(shop.settings, build_broker(shop.settings))
        args = argparse.Namespace(keys_command="purge", older_than=0, batch_size=1)
        assert await run_keys_command(container, args) == 0

    await purge()
    await purge()  # nothing left to do: harmless

    gone = await reveal(shop, seen)
    body = assert_problem(gone, 410)
    assert body["detail"] == PURGED
    assert "SEEN-" not in gone.text
    link = await shop.client.get(f"/fulfillment/{seen['id']}/download-link", headers=shop.bearer(seen))
    assert link.status_code == 200, link.text
    path = "/" + link.json()["signedUrl"].split("/", 3)[3]
    by_link = await shop.client.post(f"{path}/reveal", headers={"Accept": "application/json"})
    assert assert_problem(by_link, 410)["detail"] == PURGED
    assert await revealed_keys(shop, unseen) == ["UNSEEN-CCCC-3"]
    blobs = [path for path in (shop.settings.data_dir / "objects").rglob("*") if path.is_file()]
    assert not any(seen["id"] in str(path) for path in blobs)
    assert any(unseen["id"] in str(path) for path in blobs)


# --- the commands, as separate processes ------------------------------------------------------------


def settings_for(data_dir: Path, environ: dict[str, str]) -> Settings:
    return load_settings(
        {
            "BITLOOT_DATA_DIR": str(data_dir),
            "BITLOOT_ENV": "test",
            "BITLOOT_PUBLIC_BASE_URL": "https://shop.example",
            **environ,
        }
    )


def run_cli(data_dir: Path, environ: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BITLOOT_")}
    env.update(
        BITLOOT_DATA_DIR=str(data_dir),
        BITLOOT_ENV="test",
        BITLOOT_PUBLIC_BASE_URL="https://shop.example",
        **environ,
    )
    done = subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "bitloot.entrypoints.cli", "keys", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def key_rows(data_dir: Path) -> list[tuple[str, int, bytes, Any]]:
    with sqlite3.connect(data_dir / "bitloot.db") as db:
        rows = db.execute(
            "SELECT id, key_version, wrapped_key, purged_at FROM sealed_keys ORDER BY id"
        ).fetchall()
        stock = db.execute("SELECT id, key_version, wrapped_key, NULL FROM stock_keys ORDER BY id").fetchall()
    db.close()
    return [(str(r[0]), int(r[1]), bytes(r[2]), r[3]) for r in rows + stock]


def blob_digests(data_dir: Path) -> dict[str, str]:
    return {
        str(path.relative_to(data_dir)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in (data_dir / "objects").rglob("*")
        if path.is_file()
    }


async def open_with(data_dir: Path, environ: dict[str, str]) -> Any:
    settings = settings_for(data_dir, environ)
    await asyncio.to_thread(upgrade_from_template, settings.database_url)
    return create_app(settings, build_broker(settings, await_inplace=True)), settings


async def test_keys_rotate_and_purge_commands(tmp_path: Path) -> None:
    async with open_shop(tmp_path) as shop:
        seen = await fulfilled(shop, ["CLI-SEEN-1", "CLI-SEEN-2"], "CLI-SEEN")
        unseen = await fulfilled(shop, ["CLI-UNSEEN-3"], "CLI-UNSEEN")
        await shop.product(["CLI-STOCK-4"], sku="CLI-STOCK")
        assert await revealed_keys(shop, seen) == ["CLI-SEEN-1", "CLI-SEEN-2"]
    stored = json.loads((tmp_path / "secrets.json").read_text())
    version_2 = base64.b64encode(os.urandom(32)).decode()
    rotation = {
        "BITLOOT_MASTER_KEYS": f"{stored['master_keys']},2:{version_2}",
        "BITLOOT_ACTIVE_KEY_VERSION": "2",
    }
    before, blobs = key_rows(tmp_path), blob_digests(tmp_path)
    assert {row[1] for row in before} == {1}

    rotated = run_cli(tmp_path, rotation, "rotate", "--batch-size", "2")

    after = key_rows(tmp_path)
    assert [row[0] for row in after] == [row[0] for row in before]
    assert {row[1] for row in after} == {2}
    assert all(new[2] != old[2] for new, old in zip(after, before, strict=True))
    assert blob_digests(tmp_path) == blobs
    assert "done: 7 data keys rewrapped under version 2" in rotated.stdout
    for row in before + after:
        assert base64.b64encode(row[2]).decode() not in rotated.stdout + rotated.stderr
    assert version_2 not in rotated.stdout + rotated.stderr
    again = run_cli(tmp_path, rotation, "rotate")
    assert "done: 0 data keys rewrapped" in again.stdout
    assert key_rows(tmp_path) == after

    # Version 2 alone opens every key now.
    only_2 = {"BITLOOT_MASTER_KEYS": f"2:{version_2}", "BITLOOT_ACTIVE_KEY_VERSION": "2"}
    purged = run_cli(tmp_path, only_2, "purge", "--older-than", "0")
    assert "done: 2 keys purged" in purged.stdout
    assert "CLI-SEEN" not in purged.stdout + purged.stderr
    assert "done: 0 keys purged" in run_cli(tmp_path, only_2, "purge", "--older-than", "0").stdout

    from litestar.testing import AsyncTestClient

    app, settings = await open_with(tmp_path, only_2)
    async with AsyncTestClient(app) as client:
        shop = Shop(client, settings)
        assert assert_problem(await reveal(shop, seen), 410)["detail"] == PURGED
        assert await revealed_keys(shop, unseen) == ["CLI-UNSEEN-3"]
    rows = {row[0]: row for row in key_rows(tmp_path)}
    shredded = [row for row in rows.values() if row[3] is not None]
    assert len(shredded) == 2
    assert all(row[2] == b"" for row in shredded)
