"""`bitloot keys rotate` and `bitloot keys purge`: the key lifecycle commands (docs/vault.md).

They print progress and a summary (counts and versions, never key material) and build the same
container as the service, so they act on the configured database and object storage."""

import argparse
from datetime import timedelta
from typing import TYPE_CHECKING

from bitloot.application.batches import DEFAULT_BATCH_SIZE
from bitloot.application.ports.crypto import KeyVault
from bitloot.application.use_cases.purge_revealed_keys import PurgeCounts, PurgeRevealedKeys
from bitloot.application.use_cases.rotate_data_keys import RotateDataKeys, RotationCounts

if TYPE_CHECKING:  # `bitloot serve`'s main process imports this module, never dishka (5 MB with pydantic)
    from dishka import AsyncContainer


def add_keys_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    keys = commands.add_parser("keys", help="key lifecycle: rotate data keys, purge revealed keys")
    actions = keys.add_subparsers(dest="keys_command", required=True)
    rotate = actions.add_parser(
        "rotate",
        help="rewrap every data key under BITLOOT_ACTIVE_KEY_VERSION (blobs untouched; resumable)",
    )
    purge = actions.add_parser(
        "purge",
        help="crypto-shred revealed keys of orders fulfilled, and revealed, more than DAYS ago",
    )
    purge.add_argument("--older-than", type=int, required=True, metavar="DAYS")
    for action in (rotate, purge):
        action.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="rows per transaction")


async def run_keys_command(container: "AsyncContainer", args: argparse.Namespace) -> int:
    """Run `bitloot keys rotate|purge` on the service's container; closes the container."""
    if args.batch_size < 1 or (args.keys_command == "purge" and args.older_than < 0):
        await container.close()
        print("--batch-size is at least 1 and --older-than (days) at least 0.")
        return 2
    try:
        async with container() as request:
            if args.keys_command == "rotate":
                vault = await request.get(KeyVault)
                print(f"rotating data keys to master key version {vault.active_version}", flush=True)
                rotation = await request.get(RotateDataKeys)
                counts = await rotation.execute(args.batch_size, progress=_rotation_progress)
                print(_rotation_summary(counts), flush=True)
                return 1 if counts.failed else 0
            purge = await request.get(PurgeRevealedKeys)
            print(f"purging keys revealed and fulfilled more than {args.older_than} days ago", flush=True)
            purged = await purge.execute(
                timedelta(days=args.older_than), args.batch_size, progress=_purge_progress
            )
            print(
                f"done: {purged.purged} keys purged (with {purged.stock_units} stock units they came from) "
                f"in {purged.batches} batches",
                flush=True,
            )
            return 0
    finally:
        await container.close()


def _rotation_progress(counts: RotationCounts) -> None:
    print(
        f"batch {counts.batches}: {counts.rewrapped} rewrapped so far "
        f"({counts.sealed} delivered, {counts.stock} in stock), {counts.failed} failed",
        flush=True,
    )


def _rotation_summary(counts: RotationCounts) -> str:
    summary = (
        f"done: {counts.rewrapped} data keys rewrapped under version {counts.active_version} "
        f"({counts.sealed} delivered, {counts.stock} in stock), {counts.skipped} changed meanwhile, "
        f"{counts.failed} failed"
    )
    if counts.failed:
        summary += " (see the log for their ids; their master key version must stay in the keyring)"
    return summary


def _purge_progress(counts: PurgeCounts) -> None:
    print(f"batch {counts.batches}: {counts.purged} purged so far", flush=True)
