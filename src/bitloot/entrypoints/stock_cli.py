"""`bitloot stock import PRODUCT FILE` and `bitloot stock fingerprint` (docs/stock-integrity.md).

Both print ids, counts and line numbers, never a key, and build the same container as the service,
so they act on the configured database and object storage."""

import argparse
import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bitloot.application.ports.unit_of_work import UnitOfWork
from bitloot.application.use_cases.fingerprint_existing_keys import (
    DEFAULT_BATCH_SIZE,
    FingerprintCounts,
    FingerprintExistingKeys,
)
from bitloot.application.use_cases.import_stock import (
    MAX_KEY_CHARACTERS,
    MAX_KEYS_PER_IMPORT,
    ImportStock,
    RefusalReason,
    RefusedLine,
)
from bitloot.domain.errors import BitLootError, InvalidValue
from bitloot.domain.operator_audit import Actor

if TYPE_CHECKING:  # `bitloot serve`'s main process imports this module, never dishka (5 MB with pydantic)
    from dishka import AsyncContainer

REASONS = {
    RefusalReason.BLANK: "blank line",
    RefusalReason.TOO_LONG: f"longer than {MAX_KEY_CHARACTERS} characters",
    RefusalReason.REPEATED: "repeated in this file",
    RefusalReason.IN_STOCK: "already in stock",
    RefusalReason.DELIVERED: "already delivered",
}
BAR_WIDTH = 30


def add_stock_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    stock = commands.add_parser("stock", help="own stock: import keys from a file, fingerprint older keys")
    actions = stock.add_subparsers(dest="stock_command", required=True)
    load = actions.add_parser(
        "import",
        help="import a file of keys, one per line; refused lines are reported by number, never the key",
    )
    load.add_argument("product", metavar="PRODUCT", help="the product's id or SKU")
    load.add_argument("file", metavar="FILE", type=Path, help="UTF-8 text, one key per line")
    fingerprint = actions.add_parser(
        "fingerprint",
        help="fingerprint stock units and delivered keys that have none yet (resumable); report shared keys",
    )
    fingerprint.add_argument(
        "--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="keys per transaction"
    )


async def run_stock_command(container: "AsyncContainer", args: argparse.Namespace) -> int:
    """Run `bitloot stock import|fingerprint` on the service's container; closes the container."""
    try:
        if args.stock_command == "import":
            return await _import(container, args.product, args.file)
        return await _fingerprint(container, args.batch_size)
    finally:
        await container.close()


async def _import(container: "AsyncContainer", product: str, file: Path) -> int:
    """The file goes in batches of `MAX_KEYS_PER_IMPORT` lines, one transaction each; line numbers are
    the file's. A key repeated in two batches is refused as already in stock the second time."""
    try:
        total, keys = _scan(file)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read {file}: {_why(exc)}", file=sys.stderr)
        return 2
    if keys == 0:
        print(f"{file} holds no key to import (every line is blank)", file=sys.stderr)
        return 2
    product_id = await _product_id(container, product)
    if product_id is None:
        print(f"no product with the id or SKU {product!r}", file=sys.stderr)
        return 2
    imported = available = done = 0
    refused: list[RefusedLine] = []
    try:
        with file.open(encoding="utf-8-sig") as lines:
            for batch in _batches(lines):
                if any(line.strip() for line in batch):
                    async with container() as request:
                        use_case = await request.get(ImportStock)
                        result = await use_case.execute(
                            product_id, batch, Actor.command_line(), first_line=done + 1
                        )
                    imported, available = imported + result.imported, result.available
                    refused += result.refused
                else:
                    refused += [RefusedLine(done + n, RefusalReason.BLANK) for n in range(1, len(batch) + 1)]
                done += len(batch)
                _bar(done, total, imported, len(refused))
    except BitLootError as exc:
        print(f"import stopped after line {done}: {exc}", file=sys.stderr)
        return 2
    print(f"imported {imported} keys ({available} available now), refused {len(refused)} lines")
    for refusal in refused:
        print(f"line {refusal.line}: {REASONS[refusal.reason]}")
    return 1 if refused else 0


async def _fingerprint(container: "AsyncContainer", batch_size: int) -> int:
    if batch_size < 1:
        print("--batch-size is at least 1.", file=sys.stderr)
        return 2
    async with container() as request:
        use_case = await request.get(FingerprintExistingKeys)
        print("fingerprinting the stock units and delivered keys that have none yet", flush=True)
        counts = await use_case.execute(batch_size, progress=_fingerprint_progress)
    for pair in counts.shared:
        print(f"same key: {pair.duplicate} and {pair.holder}")
    print(
        f"done: {counts.recorded} keys fingerprinted in {counts.batches} batches, "
        f"{len(counts.shared)} shared with another record, {counts.unreadable} could not be opened",
        flush=True,
    )
    if counts.shared:
        print("a shared key must be sold once at most: check these records before selling them")
    return 1 if counts.shared or counts.unreadable else 0


def _fingerprint_progress(counts: FingerprintCounts) -> None:
    print(
        f"batch {counts.batches}: {counts.recorded} fingerprinted so far, {len(counts.shared)} shared",
        file=sys.stderr,
        flush=True,
    )


async def _product_id(container: "AsyncContainer", product: str) -> str | None:
    async with container() as request:
        uow = await request.get(UnitOfWork)
        try:
            found = await uow.products.get(product) or await uow.products.get_by_sku(product)
        except InvalidValue:  # an id the database cannot hold is no product's
            found = None
        await uow.rollback()
    return None if found is None else found.id


def _scan(file: Path) -> tuple[int, int]:
    """Lines, and lines that are not blank; reads the whole file once, so a file that is not UTF-8
    is refused before anything is imported."""
    total = keys = 0
    with file.open(encoding="utf-8-sig") as lines:
        for line in lines:
            total += 1
            keys += bool(line.strip())
    return total, keys


def _batches(lines: TextIO) -> Iterator[list[str]]:
    while batch := [line.rstrip("\r\n") for line in islice(lines, MAX_KEYS_PER_IMPORT)]:
        yield batch


def _bar(done: int, total: int, imported: int, refused: int) -> None:
    """A progress bar on stderr: redrawn in place on a terminal, a line per batch otherwise."""
    filled = BAR_WIDTH * done // max(total, 1)
    bar = "#" * filled + "-" * (BAR_WIDTH - filled)
    end = "\r" if sys.stderr.isatty() and done < total else "\n"
    text = f"[{bar}] {done}/{total} lines, {imported} imported, {refused} refused"
    print(text, end=end, file=sys.stderr, flush=True)


def _why(exc: OSError | UnicodeDecodeError) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return exc.strerror or type(exc).__name__
