"""`bitloot serve` without `--workers`: one granian worker per core only where several processes
can share the shop's state."""

from dataclasses import replace
from pathlib import Path

import pytest

from bitloot.entrypoints.config import Settings, load_settings
from bitloot.entrypoints.serve_workers import cores, default_workers

POSTGRES = "postgresql+asyncpg://bitloot@db.internal:5432/bitloot"
REDIS = "redis://redis.internal:6379/0"


@pytest.fixture
def embedded(tmp_path: Path) -> Settings:
    return load_settings({"BITLOOT_DATA_DIR": str(tmp_path), "BITLOOT_ENV": "test"})


def test_a_production_shop_on_postgresql_and_redis_has_one_worker_per_core(embedded: Settings) -> None:
    production = replace(embedded, env="production", database_url=POSTGRES, broker_url=REDIS)
    assert default_workers(production) == cores() >= 1


@pytest.mark.parametrize(
    ("env", "database_url", "broker_url"),
    [
        ("development", POSTGRES, REDIS),
        ("test", POSTGRES, REDIS),
        # SQLite takes one writer; without a broker the API process runs the jobs and the reconciler.
        ("production", "sqlite+aiosqlite:///shop.db", REDIS),
        ("production", POSTGRES, None),
    ],
)
def test_every_other_shop_serves_with_one_worker(
    embedded: Settings, env: str, database_url: str, broker_url: str | None
) -> None:
    settings = replace(embedded, env=env, database_url=database_url, broker_url=broker_url)
    assert default_workers(settings) == 1


def test_the_embedded_default_is_one_worker(embedded: Settings) -> None:
    assert default_workers(embedded) == 1
