"""Timestamps are stored in UTC and read back timezone-aware, whatever the dialect keeps."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from bitloot.adapters.persistence.sqla.tables.utc_datetime import DateTimeUTC

COLUMN = DateTimeUTC()
PG = postgresql.dialect()  # type: ignore[no-untyped-call]
LITE = sqlite.dialect()


def test_an_aware_time_is_stored_as_the_same_instant_in_utc() -> None:
    plus_two = datetime(2026, 12, 3, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    stored = COLUMN.process_bind_param(plus_two, PG)
    assert stored == plus_two
    assert stored is not None
    assert stored.utcoffset() == timedelta(0)


def test_a_naive_time_is_refused_rather_than_stored_as_whatever_it_says() -> None:
    with pytest.raises(TypeError, match="tzinfo is required"):
        COLUMN.process_bind_param(datetime(2026, 12, 3, 14, 0), LITE)  # noqa: DTZ001 - the point


def test_a_time_read_without_a_zone_is_utc_and_one_with_a_zone_is_kept() -> None:
    assert COLUMN.process_result_value(datetime(2026, 12, 3, 12, 0), LITE) == datetime(  # noqa: DTZ001
        2026, 12, 3, 12, 0, tzinfo=UTC
    )
    aware = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert COLUMN.process_result_value(aware, PG) is aware
    assert COLUMN.process_bind_param(None, PG) is None
    assert COLUMN.process_result_value(None, PG) is None
