"""`BITLOOT_METRICS_*` (docs/metrics.md): a worker's listener only when its port is set, loopback by
default, the token never in a repr, and every bad value reported at start."""

from pathlib import Path

import pytest

from bitloot.entrypoints.config import ConfigurationError, load_settings


def test_by_default_no_listener_loopback_no_token_every_five_seconds(tmp_path: Path) -> None:
    metrics = load_settings({"BITLOOT_DATA_DIR": str(tmp_path)}).metrics

    assert (metrics.port, metrics.addr, metrics.token, metrics.every_seconds) == (None, "127.0.0.1", None, 5)


def test_each_setting_is_read_and_the_token_stays_out_of_reprs(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "BITLOOT_DATA_DIR": str(tmp_path),
            "BITLOOT_METRICS_PORT": "9101",
            "BITLOOT_METRICS_ADDR": "10.0.0.5",
            "BITLOOT_METRICS_TOKEN": "scrape-token-123",
            "BITLOOT_METRICS_EVERY_SECONDS": "15",
        }
    )

    assert (settings.metrics.port, settings.metrics.addr, settings.metrics.every_seconds) == (
        9101,
        "10.0.0.5",
        15,
    )
    assert settings.metrics.token == "scrape-token-123"
    assert "scrape-token-123" not in repr(settings)


def test_bad_values_are_all_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(
            {
                "BITLOOT_DATA_DIR": str(tmp_path),
                "BITLOOT_METRICS_PORT": "70000",
                "BITLOOT_METRICS_ADDR": "metrics.internal",
                "BITLOOT_METRICS_EVERY_SECONDS": "0",
            }
        )

    problems = refused.value.problems
    assert "BITLOOT_METRICS_PORT is a positive whole number up to 65535." in problems
    assert any(p.startswith("BITLOOT_METRICS_ADDR is an IP address") for p in problems)
    assert "BITLOOT_METRICS_EVERY_SECONDS is a positive whole number." in problems


@pytest.mark.parametrize(("value", "enabled"), [(None, True), ("on", True), ("off", False), (" OFF ", False)])
def test_metrics_are_on_unless_turned_off(tmp_path: Path, value: str | None, enabled: bool) -> None:
    env = {"BITLOOT_DATA_DIR": str(tmp_path)} | ({"BITLOOT_METRICS": value} if value is not None else {})

    assert load_settings(env).metrics.enabled is enabled


def test_a_switch_that_is_neither_on_nor_off_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings({"BITLOOT_DATA_DIR": str(tmp_path), "BITLOOT_METRICS": "false"})

    assert "BITLOOT_METRICS is on or off." in refused.value.problems
