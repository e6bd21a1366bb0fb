"""`BITLOOT_LOG_FORMAT`: JSON lines in production, text elsewhere, unless chosen; a value that is
neither is refused at start, naming the variable."""

import base64
import os
from pathlib import Path

import pytest

from bitloot.entrypoints.config import ConfigurationError, load_settings
from bitloot.entrypoints.config.log_format import log_format_from
from bitloot.entrypoints.logging_setup import logging_config


def embedded(data_dir: Path, **variables: str) -> dict[str, str]:
    return {"BITLOOT_DATA_DIR": str(data_dir), **variables}


def production(data_dir: Path, **variables: str) -> dict[str, str]:
    return {
        "BITLOOT_ENV": "production",
        "BITLOOT_DATA_DIR": str(data_dir),
        "BITLOOT_MASTER_KEYS": "1:" + base64.b64encode(os.urandom(32)).decode(),
        "BITLOOT_LINK_SECRET": base64.b64encode(os.urandom(32)).decode(),
        "BITLOOT_KEY_FINGERPRINT_SECRET": base64.b64encode(os.urandom(32)).decode(),
        "BITLOOT_NOWPAYMENTS_IPN_SECRET": "ipn-secret-from-the-nowpayments-dashboard",
        "BITLOOT_ADMIN_TOKEN": "a" * 16 + "-operator-token-" + "b" * 16,
        "BITLOOT_NOWPAYMENTS_API_KEY": "NP-API-KEY-from-the-dashboard-0123",
        **variables,
    }


@pytest.mark.parametrize("mode", [None, "development", "test"])
def test_text_outside_production(tmp_path: Path, mode: str | None) -> None:
    environ = embedded(tmp_path, **({"BITLOOT_ENV": mode} if mode else {}))
    assert load_settings(environ).log_format == "text"
    assert log_format_from(environ) == "text"


def test_json_in_production(tmp_path: Path) -> None:
    environ = production(tmp_path)
    assert load_settings(environ).log_format == "json"
    assert log_format_from(environ) == "json"


@pytest.mark.parametrize(("chosen", "expected"), [("json", "json"), ("JSON", "json"), (" text ", "text")])
def test_either_format_can_be_chosen_in_any_mode(tmp_path: Path, chosen: str, expected: str) -> None:
    assert load_settings(embedded(tmp_path, BITLOOT_LOG_FORMAT=chosen)).log_format == expected
    assert load_settings(production(tmp_path, BITLOOT_LOG_FORMAT=chosen)).log_format == expected
    assert log_format_from(embedded(tmp_path, BITLOOT_LOG_FORMAT=chosen)) == expected


def test_another_value_is_refused_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_settings(embedded(tmp_path, BITLOOT_LOG_FORMAT="logfmt"))
    assert raised.value.problems == ["BITLOOT_LOG_FORMAT is json or text."]


def test_until_the_settings_refuse_it_the_mode_default_is_logged_in(tmp_path: Path) -> None:
    """Logging starts before the settings are read; the refusal is then printed in a known format."""
    assert log_format_from(production(tmp_path, BITLOOT_LOG_FORMAT="logfmt")) == "json"
    assert log_format_from(embedded(tmp_path, BITLOOT_LOG_FORMAT="logfmt")) == "text"


@pytest.mark.parametrize("chosen", ["json", "text"])
def test_every_handler_uses_the_chosen_formatter_and_stamps_the_context(chosen: str) -> None:
    config = logging_config(log_format=chosen)
    formatters = {spec["()"] for spec in config["formatters"].values()}
    assert formatters == {f"bitloot.entrypoints.logs.{chosen}_lines.{chosen.capitalize()}Lines"}
    assert all(handler["filters"] == ["context"] for handler in config["handlers"].values())
    assert config["loggers"]["httpx"]["level"] == "WARNING"
    assert config["loggers"]["httpcore"]["level"] == "WARNING"
