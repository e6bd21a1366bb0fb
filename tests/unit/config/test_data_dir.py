"""The embedded data folder holds emails, IPN bodies and wrapped keys: owner-only (issue 9)."""

import asyncio
import logging
import stat
from pathlib import Path

import pytest

from bitloot.adapters.persistence.sqla.migrate import upgrade
from bitloot.entrypoints.config import load_settings


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_new_data_folder_and_its_files_are_owner_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"

    settings = load_settings({"BITLOOT_DATA_DIR": str(data_dir)})
    await asyncio.to_thread(upgrade, settings.database_url)

    assert mode(data_dir) == 0o700
    files = [path for path in data_dir.iterdir() if path.is_file()]
    assert {path.name for path in files} >= {"secrets.json", "bitloot.db"}
    assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}


def test_a_folder_left_readable_by_others_is_tightened_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "var"
    load_settings({"BITLOOT_DATA_DIR": str(data_dir)})
    data_dir.chmod(0o755)
    (data_dir / "secrets.json").chmod(0o644)
    (data_dir / "bitloot.db").write_bytes(b"")
    (data_dir / "bitloot.db").chmod(0o644)
    (data_dir / "objects").mkdir(mode=0o755)
    (data_dir / "objects").chmod(0o755)

    with caplog.at_level(logging.WARNING, logger="bitloot"):
        load_settings({"BITLOOT_DATA_DIR": str(data_dir)})

    assert mode(data_dir) == 0o700
    assert mode(data_dir / "secrets.json") == 0o600
    assert mode(data_dir / "bitloot.db") == 0o600
    assert mode(data_dir / "objects") == 0o700
    assert "tightened" in caplog.text
    assert "bitloot.db" in caplog.text


def test_a_private_folder_is_left_alone_silently(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data_dir = tmp_path / "var"
    load_settings({"BITLOOT_DATA_DIR": str(data_dir)})

    with caplog.at_level(logging.WARNING, logger="bitloot"):
        load_settings({"BITLOOT_DATA_DIR": str(data_dir)})

    assert "tightened" not in caplog.text


def test_secrets_of_an_older_version_gain_the_fingerprint_secret(tmp_path: Path) -> None:
    first = load_settings({"BITLOOT_DATA_DIR": str(tmp_path)})
    stored = (tmp_path / "secrets.json").read_text()
    older = stored.replace('"fingerprint_secret"', '"unused"')
    (tmp_path / "secrets.json").write_text(older)

    again = load_settings({"BITLOOT_DATA_DIR": str(tmp_path)})

    assert again.secrets.admin_token == first.secrets.admin_token
    assert again.secrets.fingerprint_secret
    assert mode(tmp_path / "secrets.json") == 0o600
