"""Production refuses secrets an attacker could guess (issue 9): short webhook secrets, placeholders
and repeated-byte master keys, one message per problem, never the value."""

import base64
import os
from pathlib import Path

import pytest

from bitloot.entrypoints.config import ConfigurationError, load_settings
from tests.http.test_platform import production_environment


def refusal(environment: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigurationError) as raised:
        load_settings(environment)
    return raised.value.problems


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BITLOOT_NOWPAYMENTS_IPN_SECRET", "x"),
        ("BITLOOT_NOWPAYMENTS_IPN_SECRET", "fifteen-chars!!"),
        ("BITLOOT_KINGUIN_WEBHOOK_SECRET", "k"),
        ("BITLOOT_KINGUIN_WEBHOOK_SECRET", "0123456789abcde"),
    ],
)
def test_a_webhook_secret_shorter_than_16_characters_is_refused(
    tmp_path: Path, name: str, value: str
) -> None:
    problems = refusal({**production_environment(tmp_path), name: value})

    assert [p for p in problems if name in p] == [f"{name} must be at least 16 characters."]
    assert len(problems) == 1
    assert all(value not in p for p in problems)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BITLOOT_NOWPAYMENTS_IPN_SECRET", "a" * 40),
        ("BITLOOT_KINGUIN_WEBHOOK_SECRET", "abcabcabcabcabcabc"),
        ("BITLOOT_ADMIN_TOKEN", "a" * 32),
        ("BITLOOT_ADMIN_TOKEN", "changeme" * 4),
        ("BITLOOT_LINK_SECRET", "x" * 44),
        ("BITLOOT_KEY_FINGERPRINT_SECRET", "0" * 64),
    ],
)
def test_a_placeholder_secret_is_refused(tmp_path: Path, name: str, value: str) -> None:
    problems = refusal({**production_environment(tmp_path), name: value})

    assert len(problems) == 1, problems
    assert name in problems[0]
    assert "placeholder" in problems[0]
    assert value not in problems[0]


@pytest.mark.parametrize("key", [bytes(32), b"\xff" * 32, b"ab" * 16])
def test_a_master_key_of_repeated_bytes_is_refused(tmp_path: Path, key: bytes) -> None:
    spec = f"1:{base64.b64encode(os.urandom(32)).decode()},2:{base64.b64encode(key).decode()}"

    problems = refusal({**production_environment(tmp_path), "BITLOOT_MASTER_KEYS": spec})

    assert len(problems) == 1, problems
    assert "BITLOOT_MASTER_KEYS" in problems[0]
    assert "version 2" in problems[0]
    assert base64.b64encode(key).decode() not in problems[0]


def test_several_weak_secrets_are_named_one_message_each(tmp_path: Path) -> None:
    environment = {
        **production_environment(tmp_path),
        "BITLOOT_NOWPAYMENTS_IPN_SECRET": "short",
        "BITLOOT_KINGUIN_WEBHOOK_SECRET": "short",
        "BITLOOT_ADMIN_TOKEN": "a" * 32,
        "BITLOOT_MASTER_KEYS": "1:" + base64.b64encode(bytes(32)).decode(),
    }

    problems = refusal(environment)

    assert len(problems) == 4, problems
    for name in ("NOWPAYMENTS_IPN_SECRET", "KINGUIN_WEBHOOK_SECRET", "ADMIN_TOKEN", "MASTER_KEYS"):
        assert sum(name in p for p in problems) == 1, (name, problems)


def test_strong_secrets_start(tmp_path: Path) -> None:
    environment = {
        **production_environment(tmp_path),
        "BITLOOT_KINGUIN_WEBHOOK_SECRET": "kinguin-secret-0123",
    }

    settings = load_settings(environment)

    assert settings.kinguin_webhook_secret == b"kinguin-secret-0123"


def test_development_keeps_accepting_short_test_secrets(tmp_path: Path) -> None:
    """The strength rules are for a shop that takes money; a developer's shop may use `x`."""
    settings = load_settings({"BITLOOT_DATA_DIR": str(tmp_path), "BITLOOT_NOWPAYMENTS_IPN_SECRET": "x"})

    assert settings.secrets.ipn_secret == b"x"
