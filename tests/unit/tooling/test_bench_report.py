"""The arithmetic and the table of `just bench` (bench/report.py, bench/burst.py, bench/processes.py,
bench/pgbench.py, bench/growth.py): verdicts say by how much a target is missed, the burst's clock
starts at an order's first IPN, CPU is charged per process group, and a missing figure is printed as
not measured instead of failing the run."""

import math
import os

import pytest
from bench.burst import Ipn, Posted, figures, twice_shuffled
from bench.growth import Case, growth_table
from bench.pgbench import tps
from bench.preload import chunks
from bench.processes import backend_database, cpu_seconds, stat_ticks
from bench.report import NOT_MEASURED, Row, at_least, at_most, beside, percentile, ratio, table
from bench.run import size, sizes


def test_a_verdict_is_met_or_says_by_how_much_it_is_not() -> None:
    assert at_least(300).verdict(300) == "met"
    assert at_least(300).verdict(225) == "not met: 25% short"
    assert at_most(50).verdict(50) == "met"
    assert at_most(50).verdict(125) == "not met: 2.5x the limit"
    assert at_most(50).verdict(NOT_MEASURED) == "not measured"
    assert str(at_least(3500)) == ">= 3,500"
    assert str(at_least(0.15, ".2f")) == ">= 0.15"


def test_a_ratio_to_a_missing_ceiling_is_not_measured() -> None:
    assert ratio(30, 2000) == pytest.approx(0.015)
    assert math.isnan(ratio(30, NOT_MEASURED))
    assert math.isnan(ratio(30, 0))
    assert beside("pgbench", 2000, 30) == "pgbench 2,000: 0.015x"
    assert beside("pgbench", NOT_MEASURED, 30) == "pgbench: not measured"


def test_percentile_takes_the_nearest_rank_below() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.99) == 100
    assert percentile(values, 0.5) == 51
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2
    assert math.isnan(percentile([], 0.99))


def test_the_table_gives_value_target_ceiling_and_verdict() -> None:
    printed = table(
        [
            Row("orders/s", 55.0, ",.1f", at_least(300), "pgbench 2,000: 0.028x"),
            Row("ceiling: pgbench TPS", NOT_MEASURED),
        ]
    ).splitlines()
    assert printed[0].split() == ["measure", "value", "target", "ceiling", "/", "ratio", "verdict"]
    assert printed[1].split() == [
        *("orders/s", "55.0", ">=", "300", "pgbench", "2,000:", "0.028x"),
        *("not", "met:", "82%", "short"),
    ]
    assert printed[2].split() == ["ceiling:", "pgbench", "TPS", "-", "not", "measured"]


def test_the_burst_clock_starts_at_an_orders_first_ipn_and_stops_at_its_fulfilment() -> None:
    posted = [
        Posted("a", sent_at=100.0, seconds=0.010, status=200),
        Posted("b", sent_at=100.1, seconds=0.020, status=200),
        Posted("a", sent_at=100.2, seconds=0.030, status=200),
        Posted("b", sent_at=100.3, seconds=0.040, status=500),
    ]
    burst = figures(posted, {"a": 100.5, "b": 102.1, "other": 101.0})
    assert burst.orders == 2
    assert burst.fulfilled == 2
    assert burst.orders_per_second == pytest.approx(2 / 2.1)
    assert burst.p99_ms == pytest.approx(2000)
    assert burst.p50_ms == pytest.approx(2000)
    assert burst.answer_p99_ms == pytest.approx(40)
    assert burst.failed_posts == 1


def test_a_burst_nothing_fulfilled_is_not_measured() -> None:
    burst = figures([Posted("a", 100.0, 0.01, 200)], {})
    assert burst.fulfilled == 0
    assert math.isnan(burst.orders_per_second)
    assert math.isnan(burst.p99_ms)


def test_each_ipn_is_posted_twice_in_a_shuffled_order() -> None:
    ipns = [Ipn(str(n), b"{}", {}) for n in range(50)]
    both = twice_shuffled(ipns, seed=1)
    assert sorted(i.order_id for i in both) == sorted([str(n) for n in range(50)] * 2)
    assert both != ipns * 2


def test_cpu_ticks_come_from_utime_and_stime_whatever_the_command_name() -> None:
    fields = ["S", *(["0"] * 10), "250", "50", *(["0"] * 30)]
    assert stat_ticks(f"42 (granian ) worker) {' '.join(fields)}") == 300


def test_cpu_is_charged_per_group_and_a_new_process_counts_from_zero() -> None:
    ticks = os.sysconf("SC_CLK_TCK")
    before = {"API": {1: 100, 2: 50}, "Redis": {9: 10}}
    after = {"API": {1: 300, 3: 100}, "Redis": {9: 60}}
    assert cpu_seconds(before, after) == pytest.approx({"API": 300 / ticks, "Redis": 50 / ticks})


def test_a_backend_names_its_database_and_the_servers_own_processes_none() -> None:
    assert (
        backend_database("postgres: 15/main: postgres bitloot_test_1 127.0.0.1(40984) idle")
        == "bitloot_test_1"
    )
    assert backend_database("postgres: alice shop [local] SELECT") == "shop"
    assert backend_database("postgres: 15/main: checkpointer") is None
    assert backend_database("postgres: 15/main: autovacuum launcher") is None
    assert backend_database("/usr/lib/postgresql/15/bin/postgres -D /var/lib/pg") is None


def test_pgbench_tps_is_read_from_its_output() -> None:
    output = (
        "number of transactions actually processed: 19876\nlatency average = 8.05 ms\n"
        "tps = 1987.612 (without initial connection time)\n"
    )
    assert tps(output) == pytest.approx(1987.612)
    assert math.isnan(tps("connection refused"))


def test_preload_chunks_cover_the_range_once() -> None:
    assert chunks(0, 120_000, 50_000) == [(0, 50_000), (50_000, 100_000), (100_000, 120_000)]
    assert chunks(100, 10, 50_000) == [(100, 110)]
    assert chunks(0, 0) == []


def test_sizes_read_like_the_issue_writes_them() -> None:
    assert size("1M") == 1_000_000
    assert size("100k") == 100_000
    assert size("1_000") == 1000
    assert sizes("0,100k,1M") == [0, 100_000, 1_000_000]


def test_the_growth_table_compares_database_sizes_with_the_first() -> None:
    printed = growth_table(
        [
            Case("keys per order", "5", 40.0, 900.0, 12.0),
            Case("orders in the database", "0 preloaded", 50.0, 800.0, 10.0),
            Case("orders in the database", "100,000 preloaded", 45.0, 1000.0, 11.0, "preloaded in 20 s"),
            Case("orders in the database", "1,000 preloaded", note="skipped: 5,000 preloaded already"),
        ]
    ).splitlines()
    assert "within 20%" not in printed[2]
    assert (
        "-10% orders/s, +25% p99 vs 0 preloaded; within 20%: not met (25% off); preloaded in 20 s"
        in printed[3]
    )
    assert printed[4].endswith("skipped: 5,000 preloaded already")
