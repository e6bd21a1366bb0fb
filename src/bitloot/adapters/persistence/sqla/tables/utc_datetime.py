"""A timestamp column that stores UTC and always reads back timezone-aware, on every dialect.

The same behaviour (and the same column type in the migrations) as advanced-alchemy's `DateTimeUTC`,
which the migrations named before: that package is no dependency any more. Installed, it cost every
process that imports Litestar its pagination module (`litestar.pagination` imports advanced-alchemy
whenever it can, and with it SQLAlchemy's ORM): about 7 MB of each API worker's memory, and importing
it in a worker imported Litestar there too."""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def in_utc(value: datetime | None) -> datetime | None:
    """What a `DateTimeUTC` column stores of `value`; also for the statements whose parameters no
    column types (arrays for `unnest`)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise TypeError("tzinfo is required")  # a naive time would be stored as whatever it says
    return value.astimezone(UTC)


class DateTimeUTC(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return in_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)  # SQLite keeps no zone: what was stored is UTC
