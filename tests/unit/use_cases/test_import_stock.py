"""ImportStock (docs/stock-integrity.md): a key string is taken in at most once, ever. A retried import, a
repeated line, the same key for another product, a key already delivered, blank and overlong lines: each
refused by line number, never by the key, while the rest of the batch is imported."""

import asyncio
import hashlib
import hmac
import unicodedata

import pytest

from bitloot.adapters.crypto.hmac_fingerprints import HmacKeyFingerprints
from bitloot.application.use_cases.fulfill_order import FulfillOutcome
from bitloot.application.use_cases.import_stock import (
    MAX_KEY_CHARACTERS,
    ImportStock,
    RefusalReason,
    RefusedLine,
)
from bitloot.domain.errors import InvalidValue
from bitloot.domain.keys import KeyMaterial
from tests.fakes.blob_store import InMemoryBlobStore
from tests.support.actors import CLI
from tests.unit.conftest import FINGERPRINT_SECRET, World

R = RefusalReason


def units(world: World) -> int:
    return len(world.db.stock)


async def test_a_retried_import_imports_nothing_and_refuses_every_line_as_in_stock(world: World) -> None:
    product = await world.product()
    keys = ["RETRY-AAAA-1", "RETRY-BBBB-2", "RETRY-CCCC-3"]

    first = await world.import_stock().execute(product.id, keys, CLI)
    again = await world.import_stock().execute(product.id, keys, CLI)

    assert (first.imported, first.available, first.refused) == (3, 3, ())
    assert (again.imported, again.available) == (0, 3)
    assert again.refused == tuple(RefusedLine(n, R.IN_STOCK) for n in (1, 2, 3))
    assert units(world) == 3


async def test_a_line_repeated_in_the_batch_is_refused_and_the_rest_imported(world: World) -> None:
    product = await world.product()
    composed = unicodedata.normalize("NFC", "CAFÉ-KEY-1")
    decomposed = unicodedata.normalize("NFD", "CAFÉ-KEY-1")
    assert composed != decomposed

    result = await world.import_stock().execute(
        product.id, ["REP-1", "REP-2", "REP-1", f"  {composed}\t", decomposed, " REP-2 "], CLI
    )

    assert result.imported == 3
    assert result.refused == (
        RefusedLine(3, R.REPEATED),
        RefusedLine(5, R.REPEATED),
        RefusedLine(6, R.REPEATED),
    )
    assert units(world) == 3


async def test_the_same_key_for_another_product_is_refused(world: World) -> None:
    game = await world.product("GAME-1", keys=["SHARED-KEY-1"])
    other = await world.product("GAME-2")

    result = await world.import_stock().execute(
        other.id, ["OTHER-KEY-1", "shared-key-1", "SHARED-KEY-1"], CLI
    )

    # Keys are compared exactly (after trimming and NFC): another case is another key.
    assert result.imported == 2
    assert result.refused == (RefusedLine(3, R.IN_STOCK),)
    assert result.available == 2
    assert sum(1 for unit in world.db.stock.values() if unit.product_id == game.id) == 1


async def test_blank_and_overlong_lines_are_refused_by_line(world: World) -> None:
    product = await world.product()
    longest, too_long = "L" * MAX_KEY_CHARACTERS, "T" * (MAX_KEY_CHARACTERS + 1)

    result = await world.import_stock().execute(
        product.id, ["OK-1", "", "   ", longest, too_long, "OK-2"], CLI
    )

    assert result.imported == 3
    assert result.refused == (
        RefusedLine(2, R.BLANK),
        RefusedLine(3, R.BLANK),
        RefusedLine(5, R.TOO_LONG),
    )


@pytest.mark.parametrize("keys", [[], [""], ["   ", "\t", " \n "]])
async def test_a_batch_of_only_blank_lines_is_an_error(world: World, keys: list[str]) -> None:
    product = await world.product()

    with pytest.raises(InvalidValue):
        await world.import_stock().execute(product.id, keys, CLI)
    assert units(world) == 0


async def test_a_key_already_delivered_is_refused_as_delivered(world: World) -> None:
    placed = await world.fulfilled_order(keys=["SOLD-KEY-1"])
    product_id = placed.order.items[0].product_id
    await world.product("GAME-2", keys=["SPARE-KEY-2"])

    result = await world.import_stock().execute(product_id, ["SOLD-KEY-1", "SPARE-KEY-2", "NEW-KEY-3"], CLI)

    assert result.imported == 1
    assert result.refused == (RefusedLine(1, R.DELIVERED), RefusedLine(2, R.IN_STOCK))


async def test_line_numbers_start_at_first_line_and_nothing_names_a_key(world: World) -> None:
    product = await world.product(keys=["SECRET-IN-STOCK-1"])

    result = await world.import_stock().execute(
        product.id, ["SECRET-IN-STOCK-1", "", "SECRET-NEW-2"], CLI, first_line=1001
    )

    assert result.refused == (RefusedLine(1001, R.IN_STOCK), RefusedLine(1002, R.BLANK))
    assert "SECRET" not in repr(result)


async def test_the_fingerprint_is_an_hmac_under_its_own_secret_of_the_normalised_key() -> None:
    fingerprints = HmacKeyFingerprints(FINGERPRINT_SECRET)
    key = KeyMaterial.text("ABCDE-FGHIJ")

    value = fingerprints.of(key)

    assert value == hmac.new(FINGERPRINT_SECRET, b"text\x00ABCDE-FGHIJ", hashlib.sha256).hexdigest()
    assert value != hashlib.sha256(b"ABCDE-FGHIJ").hexdigest()
    assert value != HmacKeyFingerprints(b"another-secret-of-32-bytes-long!").of(key)
    assert fingerprints.of(KeyMaterial(b" ABCDE-FGHIJ \n")) == value
    assert fingerprints.of(KeyMaterial(b"ABCDE-FGHIJ", "image/png")) != value
    assert str(FINGERPRINT_SECRET) not in repr(fingerprints)


class SlowStore(InMemoryBlobStore):
    """Puts take a moment, so two imports really overlap."""

    async def put(self, path: str, blob: bytes) -> None:
        await asyncio.sleep(0.01)
        await super().put(path, blob)


async def test_two_concurrent_imports_of_one_batch_make_each_unit_once(world: World) -> None:
    product = await world.product()
    world.store = SlowStore()
    keys = [f"RACE-KEY-{n}" for n in range(5)]

    def importer() -> ImportStock:
        return ImportStock(world.uow(), world.vault, world.store, world.clock, world.fingerprints)

    first, second = await asyncio.gather(
        importer().execute(product.id, keys, CLI), importer().execute(product.id, keys, CLI)
    )

    assert first.imported + second.imported == 5
    assert len(first.refused) + len(second.refused) == 5
    assert units(world) == 5
    # The loser's blobs were deleted: every blob left belongs to a unit.
    assert set(world.store.blobs) == {unit.blob_path for unit in world.db.stock.values()}


async def test_an_imported_key_is_still_sold_exactly_once(world: World) -> None:
    product = await world.product(keys=["ONE-KEY"])
    await world.import_stock().execute(product.id, ["ONE-KEY"], CLI)
    first = await world.order(product)
    await world.pay(first)

    assert await world.fulfill_use_case().execute(first.order.id) is FulfillOutcome.FULFILLED
    assert units(world) == 1
