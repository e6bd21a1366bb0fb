"""The one rule for how a customer sees an amount (`domain.money_shown.shown`) and the `money` filter
that puts it in every page and email template."""

from decimal import Decimal

import pytest
from jinja2 import Environment

from bitloot.adapters.template_filters import add_amount_filter, money
from bitloot.domain.money import Money
from bitloot.domain.money_shown import FIAT_PLACES, shown


@pytest.mark.parametrize(
    ("amount", "currency", "seen"),
    [
        ("9.5", "EUR", "9.50 EUR"),
        ("10", "EUR", "10.00 EUR"),
        ("0", "USD", "0.00 USD"),
        ("-0", "EUR", "0.00 EUR"),
        ("19.99", "usd", "19.99 USD"),
        # A fixed-scale column's padding beyond the minor units goes.
        ("9.50000000", "EUR", "9.50 EUR"),
        ("1E+3", "EUR", "1000.00 EUR"),
        # More places than the minor units: every one shows, none is rounded away.
        ("9.505", "EUR", "9.505 EUR"),
        ("0.00000001", "EUR", "0.00000001 EUR"),
        # Other minor units.
        ("1500", "JPY", "1500 JPY"),
        ("1.5", "KWD", "1.500 KWD"),
    ],
)
def test_a_fiat_amount_shows_at_least_its_minor_units(amount: str, currency: str, seen: str) -> None:
    assert shown(Decimal(amount), currency) == seen


@pytest.mark.parametrize(
    ("amount", "currency", "seen"),
    [
        ("0.00012345", "btc", "0.00012345 BTC"),
        ("0.0004", "BTC", "0.0004 BTC"),
        ("1E-7", "BTC", "0.0000001 BTC"),
        ("1E+1", "BTC", "10 BTC"),
        ("10", "ETH", "10 ETH"),
        # As the provider asked: its digits, trailing zeros and all, never padded to two places.
        ("0.10", "usdttrc20", "0.10 USDTTRC20"),
        ("0.123456789012345678", "eth", "0.123456789012345678 ETH"),
    ],
)
def test_a_coin_amount_shows_exactly_as_asked(amount: str, currency: str, seen: str) -> None:
    assert shown(Decimal(amount), currency) == seen


def test_large_amounts_are_written_in_full_without_exponent_or_separators() -> None:
    assert shown(Decimal("999999999999.99"), "EUR") == "999999999999.99 EUR"
    assert shown(Decimal("999999999999.99999999"), "USD") == "999999999999.99999999 USD"
    assert shown(Decimal("1E+20"), "BTC") == "100000000000000000000 BTC"


def test_decimal_exactness_beyond_the_context_precision() -> None:
    # 33 significant digits: more than Decimal's default 28, which normalize() would round to.
    amount = Decimal("123456789012345678901234567890.125")
    assert shown(amount, "EUR") == "123456789012345678901234567890.125 EUR"
    assert Decimal(shown(amount, "EUR").split()[0]) == amount
    # No float in between: 0.1 + 0.2 is 0.30 here, not 0.30000000000000004.
    assert shown(Decimal("0.1") + Decimal("0.2"), "EUR") == "0.30 EUR"


def test_the_fiat_table_is_iso_codes_only() -> None:
    assert FIAT_PLACES["EUR"] == FIAT_PLACES["USD"] == 2
    assert all(len(code) == 3 and code.isupper() for code in FIAT_PLACES)
    assert not {"BTC", "ETH", "LTC", "USDT", "XMR"} & set(FIAT_PLACES)


def test_the_filter_shows_a_money_or_a_decimal_in_a_currency() -> None:
    env = Environment(autoescape=True)
    add_amount_filter(env)
    template = env.from_string("{{ total|money }} / {{ paid|money(coin) }}")
    rendered = template.render(total=Money(Decimal("9.5"), "EUR"), paid=Decimal("0.0001"), coin="btc")
    assert rendered == "9.50 EUR / 0.0001 BTC"


@pytest.mark.parametrize(
    ("value", "currency"),
    [(Decimal("1"), None), (1.5, "EUR"), ("9.5", "EUR"), (Money(Decimal("1"), "EUR"), "BTC")],
)
def test_the_filter_refuses_what_is_not_an_exact_amount_with_its_currency(
    value: object, currency: str | None
) -> None:
    with pytest.raises(TypeError):
        money(value, currency)  # type: ignore[arg-type]
