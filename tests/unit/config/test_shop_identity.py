"""`BITLOOT_SHOP_NAME` and `BITLOOT_SUPPORT_EMAIL`: what every customer page and email names."""

from pathlib import Path

import pytest

from bitloot.domain.shop import ShopIdentity
from bitloot.entrypoints.config import ConfigurationError, load_settings


def test_without_settings_the_shop_is_bitloot_with_no_support_address(tmp_path: Path) -> None:
    assert load_settings({"BITLOOT_DATA_DIR": str(tmp_path)}).shop == ShopIdentity("BitLoot", None)


def test_the_name_and_support_address_are_read_and_normalized(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "BITLOOT_DATA_DIR": str(tmp_path),
            "BITLOOT_SHOP_NAME": "  Loot   Cave ",
            "BITLOOT_SUPPORT_EMAIL": "Help@Example.com",
        }
    )
    assert settings.shop == ShopIdentity("Loot Cave", "Help@example.com")


def test_a_bad_support_address_or_a_long_name_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(
            {
                "BITLOOT_DATA_DIR": str(tmp_path),
                "BITLOOT_SHOP_NAME": "x" * 81,
                "BITLOOT_SUPPORT_EMAIL": "help at example",
            }
        )
    assert refused.value.problems == [
        "BITLOOT_SHOP_NAME has at most 80 characters.",
        "BITLOOT_SUPPORT_EMAIL is an email address.",
    ]
