"""The arithmetic of `just bench`'s observability cost (bench/observability_cost.py): turns alternate in
pairs so a steady drift of the machine's load weighs on both sides, the cost is the share of the bare
shop's throughput lost, and the noise is the spread between turns of one configuration."""

import pytest
from bench.observability_cost import BARE, OBSERVED, Figures, cost, cost_table, spread, turns


def test_turns_alternate_in_pairs() -> None:
    assert turns(2) == [OBSERVED, BARE, BARE, OBSERVED]
    assert turns(3) == [OBSERVED, BARE, BARE, OBSERVED, OBSERVED, BARE]
    assert turns(0) == []


def test_cost_is_the_share_of_the_bare_throughput_lost() -> None:
    assert cost([95.0, 95.0], [100.0, 100.0]) == pytest.approx(0.05)
    assert cost([101.0], [100.0]) == pytest.approx(-0.01)


def test_spread_is_the_range_of_like_turns_over_their_mean() -> None:
    assert spread([90.0, 110.0]) == pytest.approx(0.2)
    assert spread([100.0]) == 0.0


def test_the_table_gives_both_figures_the_cost_the_target_and_the_noise() -> None:
    results = [
        (OBSERVED, Figures(orders_per_second=9.8, reads_per_second=370)),
        (BARE, Figures(orders_per_second=10.0, reads_per_second=400)),
        (BARE, Figures(orders_per_second=10.0, reads_per_second=400)),
        (OBSERVED, Figures(orders_per_second=9.8, reads_per_second=370)),
    ]

    table = cost_table(results, OBSERVED, BARE)

    orders = next(line for line in table.splitlines() if "observability cost: orders/s" in line)
    reads = next(line for line in table.splitlines() if "observability cost: status reads" in line)
    assert "9.8 10.0 2.0% < 5% 0.0% 9.8 9.8 | 10.0 10.0 (ok)" in " ".join(orders.split())
    assert "370 400 7.5% < 5% 0.0% 370 370 | 400 400 (over)" in " ".join(reads.split())


def test_cpu_per_unit_is_shown_as_work_per_cpu_second_when_measured() -> None:
    results = [
        (
            OBSERVED,
            Figures(orders_per_second=10, reads_per_second=400, cpu_ms_per_order=104, cpu_ms_per_read=2),
        ),
        (BARE, Figures(orders_per_second=10, reads_per_second=400, cpu_ms_per_order=100, cpu_ms_per_read=2)),
    ]

    table = cost_table(results, OBSERVED, BARE)

    orders = next(line for line in table.splitlines() if "orders per CPU second" in line)
    assert "9.6 10.0 3.8% < 5%" in " ".join(orders.split())
