"""How the console shows client addresses to support, and which `next` a sign-in follows."""

import pytest

from bitloot.entrypoints.config import load_settings
from bitloot.entrypoints.config.environment import ConfigurationError
from bitloot.entrypoints.http.console.paths import safe_next
from bitloot.entrypoints.http.console.presenting import masked_ip


@pytest.mark.parametrize(
    ("address", "shown"),
    [("203.0.113.7", "203.0.113.x"), ("2001:db8:1:2::7", "2001:db8:1::x"), ("testclient", "hidden")],
)
def test_support_sees_where_from_roughly_not_who(address: str, shown: str) -> None:
    assert masked_ip(address) == shown


@pytest.mark.parametrize(
    ("value", "target"),
    [
        ("/console/audit?before=x", "/console/audit?before=x"),
        ("/console", "/console"),
        ("/console/login", "/console"),
        ("https://evil.example/console", "/console"),
        ("//evil.example/console", "/console"),
        ("/\\evil.example", "/console"),
        ("/console/\nSet-Cookie:x", "/console"),
        ("/consolex", "/console"),
        (None, "/console"),
    ],
)
def test_a_sign_in_returns_only_to_a_console_path(value: str | None, target: str) -> None:
    assert safe_next(value) == target


def test_the_console_session_limits_are_tuning_settings(tmp_path: object) -> None:
    settings = load_settings(
        {
            "BITLOOT_DATA_DIR": str(tmp_path),
            "BITLOOT_CONSOLE_IDLE_MINUTES": "5",
            "BITLOOT_CONSOLE_SESSION_HOURS": "2",
        }
    )
    assert (settings.tuning.console.idle_minutes, settings.tuning.console.session_hours) == (5, 2)
    assert settings.tuning.rate_limits.sign_in_per_ip == 10
    with pytest.raises(ConfigurationError, match="BITLOOT_CONSOLE_IDLE_MINUTES is a positive whole number"):
        load_settings({"BITLOOT_DATA_DIR": str(tmp_path), "BITLOOT_CONSOLE_IDLE_MINUTES": "0"})
