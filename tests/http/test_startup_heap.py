"""An API process of `bitloot serve` freezes what it built at start out of the garbage collector's
walks; an app a test builds in its own process freezes nothing (what it froze would never be freed)."""

import asyncio
import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from bitloot.entrypoints.http.app import create_app
from bitloot.entrypoints.tasks import build_broker
from tests.http.conftest import embedded_settings
from tests.support.sqlite_template import upgrade_from_template


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.mark.parametrize(("whole_process", "frozen"), [(True, True), (False, False)])
async def test_only_a_serving_process_freezes_its_start_up_heap(
    tmp_path: Path, unfrozen: None, whole_process: bool, frozen: bool
) -> None:
    settings = embedded_settings(tmp_path)
    await asyncio.to_thread(upgrade_from_template, settings.database_url)
    app = create_app(settings, build_broker(settings, await_inplace=True), whole_process=whole_process)
    async with AsyncTestClient(app) as client:
        assert (await client.get("/health")).status_code == 200
        assert (gc.get_freeze_count() > 0) is frozen
