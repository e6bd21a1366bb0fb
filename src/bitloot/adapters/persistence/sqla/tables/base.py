"""What every table shares: the metadata and its naming convention, the id and exact-decimal column
types, and `table_of`, which gives the Core table of a declarative model.

The tables are declared as models (one module per aggregate) only to write them down briefly;
repositories query them with SQLAlchemy Core and map rows to domain entities by hand, so the domain
stays free of the ORM and no identity map goes stale between transactions."""

from decimal import Decimal
from typing import Any

from sqlalchemy import MetaData, Numeric, String, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Id = String(36)


class ExactDecimal(TypeDecorator[Decimal]):
    """NUMERIC(20, 8) on PostgreSQL; text on SQLite, whose NUMERIC is a double and keeps only about
    15 significant digits."""

    impl = Numeric(20, 8)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(20, 8))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


Amount = ExactDecimal()


def exact(amount: Decimal) -> Decimal:
    """An `Amount` as the domain wrote it: drop the trailing zeros a fixed-scale column adds
    (19.99000000 -> 19.99, 5.00000000 -> 5)."""
    return amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount.normalize()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(model: type[Base]) -> Table:
    """The Core table a model declares, for the repositories' queries."""
    table = model.__table__
    if not isinstance(table, Table):  # pragma: no cover - every model here maps one table
        raise TypeError(model)
    return table
