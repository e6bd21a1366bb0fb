"""Money as an exact decimal amount in one currency."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bitloot.domain.errors import InvalidValue

_MAX_PLACES = 8
# What NUMERIC(20, 8) holds: 12 digits before the point.
_LIMIT = Decimal(10) ** (20 - _MAX_PLACES)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise InvalidValue("An amount must be a finite decimal.")
        if self.amount < 0:
            raise InvalidValue("An amount cannot be negative.")
        if self.amount.is_signed():  # -0 is zero, and is written as zero
            object.__setattr__(self, "amount", self.amount.copy_abs())
        if self.amount >= _LIMIT:
            raise InvalidValue("An amount must be below 1,000,000,000,000.")
        exponent = self.amount.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > _MAX_PLACES:
            raise InvalidValue(f"An amount has at most {_MAX_PLACES} decimal places.")
        if not (self.currency.isascii() and self.currency.isalnum() and 2 <= len(self.currency) <= 12):
            raise InvalidValue("A currency is a short alphanumeric code such as EUR.")
        object.__setattr__(self, "currency", self.currency.upper())

    @classmethod
    def of(cls, amount: str | Decimal | int, currency: str) -> "Money":
        try:
            return cls(Decimal(amount), currency)
        except InvalidOperation as exc:
            raise InvalidValue("An amount must be a decimal number.") from exc

    def times(self, quantity: int) -> "Money":
        return Money(self.amount * quantity, self.currency)

    def plus(self, other: "Money") -> "Money":
        if other.currency != self.currency:
            raise InvalidValue("Amounts in different currencies cannot be added.")
        return Money(self.amount + other.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
