"""How a customer sees an amount: the one rule for every page and email (`shown`).

- A fiat currency (`FIAT_PLACES`, ISO 4217) shows at least its minor units: 9.5 EUR is "9.50 EUR",
  10 EUR "10.00 EUR", 1500 JPY "1500 JPY". An amount with more places than that (prices may hold up to
  eight) shows them all, never rounded: 9.505 EUR is "9.505 EUR"; zeros a database column padded on
  beyond the minor units go (9.50000000 EUR is "9.50 EUR").
- Any other code is a coin the customer pays in (NOWPayments' `pay_currency`: btc, eth, usdttrc20...):
  its amount shows exactly as the provider asked for it, every digit and no rounding: 0.00012345 BTC,
  0.0000001 BTC (never 1E-7), 10 BTC (never 1E+1).
- Always fixed-point, no grouping separators (a customer copies the figure into a wallet), the code in
  capitals after one space. Decimal arithmetic only: no float ever touches an amount.
"""

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Final

# The fiat currencies a price may be set in, by their ISO 4217 minor units. A code not listed is taken
# for a coin and shown exactly, never padded.
_TWO_PLACES: Final = (
    "AED ARS AUD BGN BRL CAD CHF CNY COP CZK DKK EGP EUR GBP GEL HKD HUF IDR ILS INR KZT MAD MXN MYR NGN"
    " NOK NZD PEN PHP PKR PLN QAR RON RSD RUB SAR SEK SGD THB TRY TWD UAH USD ZAR"
)
FIAT_PLACES: Final[Mapping[str, int]] = MappingProxyType(
    dict.fromkeys(_TWO_PLACES.split(), 2)
    | dict.fromkeys(["CLP", "ISK", "JPY", "KRW", "PYG", "UGX", "VND"], 0)
    | dict.fromkeys(["BHD", "JOD", "KWD", "OMR", "TND"], 3)
)


def shown(amount: Decimal, currency: str) -> str:
    """`amount` of `currency` as the customer reads it ("9.50 EUR", "0.00012345 BTC")."""
    code = currency.upper()
    if amount.is_zero():
        amount = amount.copy_abs()  # -0 is zero
    minor = FIAT_PLACES.get(code)
    if minor is None or not amount.is_finite():
        return f"{amount:f} {code}"
    return f"{amount:.{max(minor, _places(amount))}f} {code}"


def _places(amount: Decimal) -> int:
    """The decimal places `amount` needs to be written in full: 9.50000000 needs 1. Counted on its
    digits, not with `normalize()`, which rounds to the context's precision (28 digits)."""
    _, digits, exponent = amount.as_tuple()
    places = max(0, -exponent) if isinstance(exponent, int) else 0  # not an int: not finite
    zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, places - zeros)
