"""A sealed blob altered, truncated, removed or swapped on disk is detected (docs/vault.md,
docs/reliability.md)."""

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.http.conftest import Shop, assert_problem, order_details
from tests.http.test_delivery import reveal_page

GENERIC = "The key could not be opened. Support has been notified."


async def fulfilled(shop: Shop, key: str, sku: str) -> dict[str, Any]:
    product = await shop.product([key], sku=sku)
    order = await shop.order(product["id"])
    await shop.pay(order)
    return order


async def blob_of(shop: Shop, order: dict[str, Any]) -> Path:
    """The sealed blob of the order's one key, found on disk where docs/vault.md puts it."""
    [key] = (await order_details(shop, order["id"]))["keys"]
    return existing(shop.settings.storage_dir / "keys" / str(order["id"]) / str(key["id"]))


def existing(path: Path) -> Path:
    assert path.is_file(), sorted(path.parents[2].rglob("*"))
    return path


def flip_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def flip_last_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x80
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-1])


def remove(path: Path) -> None:
    path.unlink()


TAMPERINGS: dict[str, Callable[[Path], None]] = {
    "one byte in the middle": flip_one_byte,
    "the last byte (tag)": flip_last_byte,
    "truncated": truncate,
    "removed": remove,
}


async def assert_detected(shop: Shop, order: dict[str, Any], secrets: list[str]) -> None:
    """The customer gets a generic 500 through both channels; the operator sees the audit events."""
    answer = await shop.client.post(
        f"/fulfillment/{order['id']}/reveal", headers={**shop.bearer(order), "User-Agent": "tamper-test"}
    )
    problem = assert_problem(answer, 500)
    assert problem["detail"] == GENERIC
    storage = str(shop.settings.storage_dir)
    for leaked in [*secrets, storage, "keys/", order["id"], shop.settings.data_dir.name, "Traceback"]:
        assert leaked not in answer.text
    assert answer.headers.get("cache-control", "no-store") == "no-store"

    link = await shop.client.get(f"/fulfillment/{order['id']}/download-link", headers=shop.bearer(order))
    by_link = await reveal_page(shop, urlsplit(link.json()["signedUrl"]).path)
    assert by_link.status_code == 500
    assert by_link.headers["content-type"].startswith("text/html")
    assert GENERIC in by_link.text
    for leaked in [*secrets, storage, "keys/", "Traceback"]:
        assert leaked not in by_link.text

    details = await order_details(shop, order["id"])
    [key] = details["keys"]
    events = details["reveals"]
    assert [(e["channel"], e["outcome"]) for e in events] == [
        ("api", "tamper_detected"),
        ("link", "tamper_detected"),
    ]
    assert all(e["keyId"] == key["id"] for e in events)
    assert events[0]["userAgent"] == "tamper-test"
    assert events[0]["ip"]
    assert details["order"]["revealCount"] == 0
    for leaked in secrets:
        assert leaked not in str(details)


@pytest.mark.parametrize("name", list(TAMPERINGS))
async def test_tampered_blob_is_detected(shop: Shop, name: str) -> None:
    order = await fulfilled(shop, "KEY-TAMPER-SECRET-1", "GAME-T")
    TAMPERINGS[name](await blob_of(shop, order))

    await assert_detected(shop, order, ["KEY-TAMPER-SECRET-1"])


async def test_blob_copied_from_another_order_is_detected(shop: Shop) -> None:
    victim = await fulfilled(shop, "KEY-VICTIM-SECRET", "GAME-V")
    other = await fulfilled(shop, "KEY-OTHER-SECRET", "GAME-O")
    shutil.copyfile(await blob_of(shop, other), await blob_of(shop, victim))

    await assert_detected(shop, victim, ["KEY-VICTIM-SECRET", "KEY-OTHER-SECRET"])
    # The other order is untouched.
    answer = await shop.client.post(f"/fulfillment/{other['id']}/reveal", headers=shop.bearer(other))
    assert [k["key"] for k in answer.json()["keys"]] == ["KEY-OTHER-SECRET"]


async def test_a_sound_blob_still_opens_after_a_failed_attempt(shop: Shop) -> None:
    order = await fulfilled(shop, "KEY-RESTORE-SECRET", "GAME-R")
    path = await blob_of(shop, order)
    original = path.read_bytes()
    flip_one_byte(path)
    assert_problem(
        await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order)), 500
    )

    path.write_bytes(original)
    answer = await shop.client.post(f"/fulfillment/{order['id']}/reveal", headers=shop.bearer(order))

    assert answer.status_code == 200, answer.text
    assert [k["key"] for k in answer.json()["keys"]] == ["KEY-RESTORE-SECRET"]
    assert answer.json()["revealCount"] == 1
    outcomes = [e["outcome"] for e in (await order_details(shop, order["id"]))["reveals"]]
    assert outcomes == ["tamper_detected", "revealed"]


async def test_blob_on_disk_does_not_hold_the_key_in_clear(shop: Shop) -> None:
    order = await fulfilled(shop, "KEY-PLAINTEXT-CHECK", "GAME-P")

    assert b"KEY-PLAINTEXT-CHECK" not in (await blob_of(shop, order)).read_bytes()
    for path in shop.settings.data_dir.rglob("*"):
        if path.is_file():
            assert b"KEY-PLAINTEXT-CHECK" not in path.read_bytes(), path
