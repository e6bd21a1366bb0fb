"""The Jinja2 filters the customer's pages and emails share, registered on each environment once
(`add_amount_filter`): the shop pages' (entrypoints/http/app.py) and the emails' (adapters/email).

`{{ total|money }}` shows a `Money`; `{{ amount|money(currency) }}` a bare decimal in a coin's code
(a payment's `actually_paid` in its `pay_currency`). Both by the one rule, `domain.money_shown.shown`."""

from decimal import Decimal

from jinja2 import Environment

from bitloot.domain.money import Money
from bitloot.domain.money_shown import shown


def money(value: Money | Decimal, currency: str | None = None) -> str:
    if isinstance(value, Money) and currency is None:
        return shown(value.amount, value.currency)
    if isinstance(value, Decimal) and currency is not None:
        return shown(value, currency)
    raise TypeError("the money filter takes a Money alone, or a Decimal and its currency")


def add_amount_filter(env: Environment) -> None:
    env.filters["money"] = money
