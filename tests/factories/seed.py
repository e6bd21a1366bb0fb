"""The one random source of the factories, and how to make a value from it."""

from decimal import Decimal
from random import Random
from typing import Any, ClassVar

from polyfactory.factories.base import BaseFactory

SEED = 20260314
RANDOM = Random(SEED)


class Reproducible:
    """Mixed into every factory: values from `RANDOM`, and a field's default unless a test names it."""

    __random__: ClassVar[Random] = RANDOM
    __use_defaults__: ClassVar[bool] = True
    __check_model__: ClassVar[bool] = True


def reseed() -> None:
    """Start the random source (and polyfactory's Faker, should a field fall back to it) afresh."""
    RANDOM.seed(SEED)
    faker: Any = BaseFactory.__faker__
    faker.seed_instance(SEED)


def code(digits: int = 8) -> str:
    """Upper-case hex, as in SKUs: `code(4)` -> "3F0A"."""
    return f"{RANDOM.getrandbits(4 * digits):0{digits}X}"


def price() -> Decimal:
    """A shop price: 0.01 to 999.99, always written with two places."""
    return Decimal(RANDOM.randint(1, 99_999)).scaleb(-2)
