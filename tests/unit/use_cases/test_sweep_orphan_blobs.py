"""SweepOrphanBlobs on the in-memory world: sealed blobs no row names are deleted once they are older
than an hour, never a blob a row names and never a younger one; runs are bounded and resume."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import cast

import pytest
from dishka import AsyncContainer

from bitloot.application.errors import StorageUnavailable
from bitloot.application.ports.storage import StoredBlob
from bitloot.application.use_cases.sweep_orphan_blobs import (
    ORPHAN_AGE,
    SweepOrphanBlobs,
    SweepReport,
    SweepSettings,
)
from bitloot.domain.ids import new_id
from bitloot.domain.keys import order_key_path, stock_key_path
from bitloot.entrypoints.reconciler import OrphanSweep, sweep_orphan_blobs_round
from tests.fakes.blob_references import MemoryBlobReferences
from tests.fakes.blob_store import InMemoryBlobStore
from tests.fakes.clock import FrozenClock
from tests.fakes.unit_of_work import InMemoryUnitOfWork
from tests.unit.conftest import World


class CountingBlobStore(InMemoryBlobStore):
    def __init__(self, clock: FrozenClock) -> None:
        super().__init__(clock)
        self.listings: list[tuple[str, str]] = []

    async def list_blobs(self, prefix: str, after: str, limit: int) -> list[StoredBlob]:
        self.listings.append((prefix, after))
        return await super().list_blobs(prefix, after, limit)


class CountingReferences(MemoryBlobReferences):
    def __init__(self, world: "SweepWorld", uow: InMemoryUnitOfWork) -> None:
        super().__init__(world.db, uow)
        self._queries = world.queries

    async def referenced(self, paths: Sequence[str]) -> set[str]:
        self._queries.append(len(paths))
        return await super().referenced(paths)


class SweepUnitOfWork(InMemoryUnitOfWork):
    """Counts the reference queries; `crash_imports` kills a transaction that records stock units
    before it commits (an import that died after writing its blobs)."""

    def __init__(self, world: "SweepWorld") -> None:
        super().__init__(world.db)
        self._world = world
        self.blob_references = CountingReferences(world, self)

    async def commit(self) -> None:
        if self._world.crash_imports and self.staged.stock:
            raise RuntimeError("killed before the commit")
        await super().commit()


@dataclass
class SweepWorld(World):
    store: CountingBlobStore = field(init=False)
    crash_imports: bool = False
    # The size of each reference query, one per page holding old blobs.
    queries: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        # The store dates its blobs by the world's clock.
        self.store = CountingBlobStore(self.clock)

    def uow(self) -> InMemoryUnitOfWork:
        return SweepUnitOfWork(self)

    def sweeper(self, page_size: int = 500, pages_per_run: int = 20) -> SweepOrphanBlobs:
        return SweepOrphanBlobs(self.uow(), self.store, self.clock, SweepSettings(page_size, pages_per_run))

    def referenced_paths(self) -> set[str]:
        return {k.blob_path for k in self.db.keys.values()} | {u.blob_path for u in self.db.stock.values()}


@pytest.fixture
def world() -> SweepWorld:
    return SweepWorld()


async def orphans(world: SweepWorld, count: int) -> list[str]:
    """Blobs as a worker that lost its race (or died before committing) leaves them."""
    paths = [order_key_path(new_id(), new_id()) for _ in range(count)]
    for path in paths:
        await world.store.put(path, b"sealed, never recorded")
    return paths


async def test_old_orphans_go_and_every_blob_a_row_names_stays(world: SweepWorld) -> None:
    placed = await world.fulfilled_order(keys=["KEY-1", "KEY-2"], quantity=1)
    referenced = world.referenced_paths()
    assert len(referenced) == 3  # two stock units (one sold) and the delivered key
    assert set(world.store.blobs) == referenced
    lost = await orphans(world, 3)
    world.clock.advance(ORPHAN_AGE + timedelta(seconds=1))

    report = await world.sweeper().execute()

    assert report == SweepReport(listed=6, deleted=3, resume_after="")
    assert set(world.store.blobs) == referenced
    assert not set(lost) & set(world.store.blobs)
    assert await world.sweeper().execute() == SweepReport(listed=3, deleted=0, resume_after="")
    # The customer's key still opens.
    assert placed.order.id in {k.order_id for k in world.db.keys.values()}


async def test_a_blob_no_older_than_an_hour_is_never_deleted(world: SweepWorld) -> None:
    [young] = await orphans(world, 1)
    world.clock.advance(timedelta(minutes=59))
    [younger] = await orphans(world, 1)

    assert (await world.sweeper().execute()).deleted == 0
    world.clock.advance(timedelta(minutes=1))  # exactly an hour old: still kept
    assert (await world.sweeper().execute()).deleted == 0
    assert {young, younger} <= set(world.store.blobs)

    world.clock.advance(timedelta(microseconds=1))
    assert (await world.sweeper().execute()).deleted == 1
    assert young not in world.store.blobs
    assert younger in world.store.blobs


async def test_the_blobs_of_an_import_that_died_before_its_commit_are_swept(world: SweepWorld) -> None:
    kept = await world.product("GAME-1", keys=["KEPT-1", "KEPT-2"])
    world.crash_imports = True
    with pytest.raises(RuntimeError):
        await world.product("GAME-2", keys=["LOST-1", "LOST-2", "LOST-3"])
    world.crash_imports = False
    assert len(world.store.blobs) == 5
    world.clock.advance(ORPHAN_AGE + timedelta(minutes=1))

    assert (await world.sweeper().execute()).deleted == 3
    assert set(world.store.blobs) == world.referenced_paths()
    assert {u.product_id for u in world.db.stock.values()} == {kept.id}


async def test_a_run_is_bounded_and_the_next_goes_on_where_it_stopped(world: SweepWorld) -> None:
    await world.fulfilled_order(keys=["KEY-1", "KEY-2", "KEY-3"])
    lost = await orphans(world, 7)
    world.clock.advance(ORPHAN_AGE * 2)
    total = len(world.store.blobs)

    reports = []
    resume_after = ""
    while True:
        world.store.listings.clear()
        report = await world.sweeper(page_size=2, pages_per_run=2).execute(resume_after)
        assert len(world.store.listings) <= 2
        reports.append(report)
        resume_after = report.resume_after
        if not resume_after:
            break
        assert len(reports) < 20

    assert sum(r.deleted for r in reports) == 7
    assert sum(r.listed for r in reports) == total
    assert not set(lost) & set(world.store.blobs)
    assert set(world.store.blobs) == world.referenced_paths()
    # One reference query per page that holds old blobs, for the whole page.
    assert all(0 < size <= 2 for size in world.queries)


async def test_resuming_in_the_stock_prefix_skips_the_keys_already_done(world: SweepWorld) -> None:
    [key_orphan] = await orphans(world, 1)
    stock_orphans = [stock_key_path(new_id(), new_id()) for _ in range(3)]
    for path in stock_orphans:
        await world.store.put(path, b"sealed")
    world.clock.advance(ORPHAN_AGE * 2)

    report = await world.sweeper().execute(resume_after=sorted(stock_orphans)[0])

    assert report.deleted == 2
    assert key_orphan in world.store.blobs
    assert sorted(stock_orphans)[0] in world.store.blobs
    assert [prefix for prefix, _ in world.store.listings] == ["stock/"]


async def test_young_blobs_cost_listings_and_no_query(world: SweepWorld) -> None:
    await world.fulfilled_order()
    await orphans(world, 2)
    assert await world.sweeper().execute() == SweepReport(listed=4, deleted=0, resume_after="")
    assert world.queries == []
    assert world.store.listings == [("keys/", ""), ("stock/", "")]

    world.clock.advance(ORPHAN_AGE * 2)
    await world.sweeper().execute()
    assert sorted(world.queries) == [1, 3]


async def test_an_empty_store_costs_one_listing_per_prefix(world: SweepWorld) -> None:
    assert await world.sweeper().execute() == SweepReport(listed=0, deleted=0, resume_after="")
    assert world.store.listings == [("keys/", ""), ("stock/", "")]
    assert world.queries == []


async def test_a_storage_outage_fails_the_run_and_deletes_nothing(world: SweepWorld) -> None:
    await orphans(world, 2)
    world.clock.advance(ORPHAN_AGE * 2)
    world.store.unavailable = True
    with pytest.raises(StorageUnavailable):
        await world.sweeper().execute()
    world.store.unavailable = False
    assert len(world.store.blobs) == 2


# --- in the reconciler --------------------------------------------------------------------------------


@dataclass
class FakeContainer:
    """Just enough of dishka's container for `sweep_orphan_blobs_round`: each request scope gives the
    use case and counts the runs."""

    world: SweepWorld
    runs: list[str] = field(default_factory=list)

    def __call__(self) -> "FakeContainer":
        return self

    async def __aenter__(self) -> "FakeContainer":
        return self

    async def __aexit__(self, *_: object) -> None:
        return None

    async def get(self, _: type) -> "FakeContainer":
        return self

    async def execute(self, resume_after: str) -> SweepReport:
        self.runs.append(resume_after)
        return await self.world.sweeper(page_size=1, pages_per_run=1).execute(resume_after)


async def test_the_reconciler_sweeps_at_most_once_per_interval_and_resumes(world: SweepWorld) -> None:
    await orphans(world, 3)
    world.clock.advance(ORPHAN_AGE * 2)
    fake = FakeContainer(world)
    container = cast(AsyncContainer, fake)
    sweep = OrphanSweep(every_seconds=300)

    assert await sweep_orphan_blobs_round(container, sweep, now=1000.0) is True
    for now in (1001.0, 1100.0, 1299.9):
        assert await sweep_orphan_blobs_round(container, sweep, now) is False
    assert len(fake.runs) == 1
    assert len(world.store.blobs) == 2
    stopped_at = sweep.resume_after
    assert stopped_at != ""

    assert await sweep_orphan_blobs_round(container, sweep, now=1300.0) is True
    assert fake.runs == ["", stopped_at]
    assert len(world.store.blobs) == 1


async def test_a_failed_sweep_waits_out_the_interval_too(world: SweepWorld) -> None:
    world.store.unavailable = True
    container = cast(AsyncContainer, FakeContainer(world))
    sweep = OrphanSweep(every_seconds=300)
    with pytest.raises(StorageUnavailable):
        await sweep_orphan_blobs_round(container, sweep, now=10.0)
    assert await sweep_orphan_blobs_round(container, sweep, now=20.0) is False
