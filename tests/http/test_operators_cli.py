"""`bitloot operators ...` run as the shop's owner runs them, in a process of their own against an
embedded data folder (docs/console.md)."""

import os
import subprocess
import sys
from pathlib import Path

from tests.http.conftest import open_shop
from tests.http.console_harness import ConsoleUser


def run_operators(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BITLOOT_")}
    env.update(
        BITLOOT_DATA_DIR=str(data_dir), BITLOOT_ENV="test", BITLOOT_PUBLIC_BASE_URL="https://shop.example"
    )
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "bitloot.entrypoints.cli", "operators", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


async def test_the_first_owner_is_added_on_the_command_line_and_signs_in(tmp_path: Path) -> None:
    added = run_operators(tmp_path, "add", "Owner@Shop.example", "--role", "owner")
    assert added.returncode == 0, added.stderr
    (password,) = added.stdout.splitlines()
    assert len(password) >= 24
    assert "added owner@shop.example as owner" in added.stderr
    assert password not in added.stderr, "the password is printed once, on stdout"

    chosen = run_operators(
        tmp_path,
        "add",
        "help@shop.example",
        "--role",
        "support",
        "--password-stdin",
        stdin="my own long password\n",
    )
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout == "", "a chosen password is never printed"
    again = run_operators(tmp_path, "add", "HELP@shop.example", "--role", "owner")
    assert again.returncode == 2
    assert "An operator with this email exists already." in again.stderr
    listed = run_operators(tmp_path, "list")
    assert listed.returncode == 0
    rows = [line.split("\t")[:3] for line in listed.stdout.splitlines()]
    assert rows == [["owner@shop.example", "owner", "active"], ["help@shop.example", "support", "active"]]

    async with open_shop(tmp_path) as shop:
        assert (await ConsoleUser(shop).sign_in("owner@shop.example", password)).status_code == 303
        assert (
            await ConsoleUser(shop).sign_in("help@shop.example", "my own long password")
        ).status_code == 303


async def test_disable_and_reset_password_on_the_command_line(tmp_path: Path) -> None:
    assert run_operators(tmp_path, "add", "owner@shop.example", "--role", "owner").returncode == 0
    assert run_operators(tmp_path, "add", "help@shop.example", "--role", "support").returncode == 0

    reset = run_operators(tmp_path, "reset-password", "help@shop.example")
    disabled = run_operators(tmp_path, "disable", "help@shop.example")
    last_owner = run_operators(tmp_path, "disable", "owner@shop.example")
    unknown = run_operators(tmp_path, "reset-password", "nobody@shop.example")

    assert reset.returncode == 0, reset.stderr
    (new_password,) = reset.stdout.splitlines()
    assert disabled.returncode == 0
    assert "help@shop.example is disabled; their sessions have ended" in disabled.stdout
    assert last_owner.returncode == 2
    assert "last active owner" in last_owner.stderr
    assert unknown.returncode == 2
    assert "No operator has this email." in unknown.stderr
    async with open_shop(tmp_path) as shop:
        assert (await ConsoleUser(shop).sign_in("help@shop.example", new_password)).status_code == 401
