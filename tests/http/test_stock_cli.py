"""`bitloot stock import` and `bitloot stock fingerprint`, run as the operator runs them: in a process
of their own, against an embedded data folder (docs/stock-integrity.md)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.http.conftest import available, open_shop

SECRET_PREFIX = "CLI-SECRET"


def run_stock(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BITLOOT_")}
    env.update(
        BITLOOT_DATA_DIR=str(data_dir), BITLOOT_ENV="test", BITLOOT_PUBLIC_BASE_URL="https://shop.example"
    )
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "bitloot.entrypoints.cli", "stock", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def stock_units(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "bitloot.db") as db:
        (count,) = db.execute("SELECT count(*) FROM stock_keys").fetchone()
    db.close()
    return int(count)


def audited_imports(data_dir: Path, product_id: str) -> list[tuple[str, str | None, str]]:
    with sqlite3.connect(data_dir / "bitloot.db") as db:
        rows = db.execute(
            "SELECT actor_label, client_ip, detail FROM operator_actions"
            " WHERE kind = 'stock_imported' AND target_id = ? ORDER BY at, id",
            (product_id,),
        ).fetchall()
    db.close()
    return [(str(label), ip, str(detail)) for label, ip, detail in rows]


async def test_stock_import_reads_a_big_file_in_batches_and_reports_refused_lines(tmp_path: Path) -> None:
    async with open_shop(tmp_path) as shop:
        await shop.product([f"{SECRET_PREFIX}-IN-STOCK"], sku="OTHER")
        product = await shop.product([], sku="CLI-GAME")
    lines = [f"{SECRET_PREFIX}-{n:05d}" for n in range(1500)]
    lines[10] = ""  # line 11
    lines[1200] = lines[1100]  # line 1201 repeats line 1101, in the same batch of 1000
    lines[1299] = "Z" * 600  # line 1300
    lines[1400] = f"{SECRET_PREFIX}-IN-STOCK"  # line 1401, another product's key
    keys_file = tmp_path / "keys.txt"
    keys_file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    done = run_stock(tmp_path, "import", "CLI-GAME", str(keys_file))

    assert done.returncode == 1, done.stdout + done.stderr
    assert "imported 1496 keys (1496 available now), refused 4 lines" in done.stdout
    assert "line 11: blank line" in done.stdout
    assert "line 1201: repeated in this file" in done.stdout
    assert "line 1300: longer than 512 characters" in done.stdout
    assert "line 1401: already in stock" in done.stdout
    assert "1500/1500 lines" in done.stderr
    assert "[" + "#" * 30 + "]" in done.stderr
    assert SECRET_PREFIX not in done.stdout + done.stderr
    assert stock_units(tmp_path) == 1497
    # Each batch is audited as the command line, with its counts (docs/console.md).
    assert audited_imports(tmp_path, product["id"]) == [
        ("command line", None, "imported 999, refused 1"),
        ("command line", None, "imported 497, refused 3"),
    ]

    # Run again (after a timeout, say): nothing imported, every key line refused as in stock.
    again = run_stock(tmp_path, "import", product["id"], str(keys_file))

    assert again.returncode == 1
    assert "imported 0 keys (1496 available now), refused 1500 lines" in again.stdout
    assert again.stdout.count("already in stock") == 1497
    assert stock_units(tmp_path) == 1497
    async with open_shop(tmp_path) as shop:
        assert await available(shop, product["id"]) == 1496


async def test_stock_import_refuses_a_file_of_blank_lines_or_an_unknown_product(tmp_path: Path) -> None:
    async with open_shop(tmp_path) as shop:
        await shop.product([], sku="CLI-GAME")
    blank = tmp_path / "blank.txt"
    blank.write_text("\n   \n\t\n", encoding="utf-8")
    keys = tmp_path / "keys.txt"
    keys.write_text("CLI-KEY-1\n", encoding="utf-8")

    assert run_stock(tmp_path, "import", "CLI-GAME", str(blank)).returncode == 2
    unknown = run_stock(tmp_path, "import", "NO-SUCH-SKU", str(keys))
    assert unknown.returncode == 2
    assert "no product" in unknown.stderr
    assert run_stock(tmp_path, "import", "CLI-GAME", str(tmp_path / "missing.txt")).returncode == 2
    assert stock_units(tmp_path) == 0


async def test_stock_fingerprint_reports_units_that_already_share_a_key(tmp_path: Path) -> None:
    """A database from before fingerprints, where the same key was imported for two products."""
    async with open_shop(tmp_path) as shop:
        await shop.product([f"{SECRET_PREFIX}-SHARED", f"{SECRET_PREFIX}-A"], sku="GAME-A")
    with sqlite3.connect(tmp_path / "bitloot.db") as db:
        db.execute("DELETE FROM key_fingerprints")
    db.close()
    async with open_shop(tmp_path) as shop:
        second = await shop.product([f"{SECRET_PREFIX}-SHARED"], sku="GAME-B")
    with sqlite3.connect(tmp_path / "bitloot.db") as db:
        db.execute("DELETE FROM key_fingerprints")
        units = {row[0] for row in db.execute("SELECT id FROM stock_keys").fetchall()}
        shared_units = sorted(
            row[0]
            for row in db.execute(
                "SELECT id FROM stock_keys WHERE product_id = ?", (second["id"],)
            ).fetchall()
        )
    db.close()
    assert len(shared_units) == 1

    done = run_stock(tmp_path, "fingerprint", "--batch-size", "1")

    assert done.returncode == 1, done.stdout + done.stderr
    assert "done: 2 keys fingerprinted" in done.stdout
    assert "1 shared with another record" in done.stdout
    [line] = [line for line in done.stdout.splitlines() if line.startswith("same key:")]
    named = {word.rstrip(",") for word in line.split() if word.rstrip(",") in units}
    assert shared_units[0] in named
    assert len(named) == 2
    assert SECRET_PREFIX not in done.stdout + done.stderr

    again = run_stock(tmp_path, "fingerprint")
    assert "done: 0 keys fingerprinted" in again.stdout
    assert [row for row in again.stdout.splitlines() if row.startswith("same key:")] == [line]

    keys = tmp_path / "keys.txt"
    keys.write_text(f"{SECRET_PREFIX}-SHARED\n{SECRET_PREFIX}-A\n", encoding="utf-8")
    refused = run_stock(tmp_path, "import", "GAME-B", str(keys))
    assert "imported 0 keys" in refused.stdout
    assert refused.stdout.count("already in stock") == 2
