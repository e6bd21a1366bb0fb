"""`--growth`: how the burst's cost grows with the work. The same burst (each IPN twice) with orders of
1, 5 and 20 keys; with the orders spread over 10 and over 1,000 products; and as the database grows
(orders preloaded as by `--preload`, adding up from one size to the next). Each case stocks its own
products first; only the burst is measured."""

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tests.e2e.cluster import Shopper

from bench.preload import preload
from bench.report import NOT_MEASURED
from bench.shop import burst, libpq, place, stocked_product, stocked_products

# A database-size row is within target when its orders/s is at least, and its p99 at most, this far
# from the first size's (issue 14: within 20% of the empty database).
WITHIN = 0.2


@dataclass(frozen=True)
class Case:
    table: str
    label: str
    orders_per_second: float = NOT_MEASURED
    p99_ms: float = NOT_MEASURED
    cpu_ms_per_order: float = NOT_MEASURED
    note: str = ""


Groups = Callable[[], Mapping[str, list[int]]]


async def _case(
    shop: Shopper, database_url: str, groups: Groups, table: str, label: str, lines: list[tuple[str, int]]
) -> Case:
    orders = await place(shop, lines)
    print(f"growth, {table}: {label}: a burst of {len(orders)} orders ...", flush=True)
    measured = await burst(shop, database_url, orders, groups)
    return Case(
        table,
        label,
        measured.figures.orders_per_second,
        measured.figures.p99_ms,
        sum(measured.cpu_ms_per_order.values()),
    )


async def keys_per_order(
    shop: Shopper, database_url: str, groups: Groups, orders: int, quantities: tuple[int, ...] = (1, 5, 20)
) -> list[Case]:
    cases = []
    for quantity in quantities:
        product = await stocked_product(shop, orders * quantity)
        lines = [(product["id"], quantity)] * orders
        cases.append(await _case(shop, database_url, groups, "keys per order", str(quantity), lines))
    return cases


async def catalog_size(
    shop: Shopper, database_url: str, groups: Groups, orders: int, sizes: tuple[int, ...] = (10, 1000)
) -> list[Case]:
    """The orders go round-robin over `size` products stocked for them."""
    cases = []
    for size in sizes:
        products = await stocked_products(shop, size, math.ceil(orders / size))
        lines = [(products[n % size]["id"], 1) for n in range(orders)]
        cases.append(await _case(shop, database_url, groups, "products", f"{size:,}", lines))
    return cases


async def database_size(
    shop: Shopper, database_url: str, groups: Groups, orders: int, sizes: list[int], preloaded: int
) -> list[Case]:
    """`preloaded`: the orders `--preload` wrote already; a smaller size is not measured."""
    cases = []
    for size in sizes:
        label = f"{size:,} preloaded"
        if size < preloaded:
            cases.append(
                Case("orders in the database", label, note=f"skipped: {preloaded:,} preloaded already")
            )
            continue
        started = time.perf_counter()
        if size > preloaded:
            print(f"growth: preloading {size - preloaded:,} more orders ...", flush=True)
            await preload(libpq(database_url), size - preloaded, start=preloaded)
        took = time.perf_counter() - started
        preloaded = size
        product = await stocked_product(shop, orders)
        case = await _case(
            shop, database_url, groups, "orders in the database", label, [(product["id"], 1)] * orders
        )
        cases.append(
            Case(
                case.table,
                case.label,
                case.orders_per_second,
                case.p99_ms,
                case.cpu_ms_per_order,
                f"preloaded in {took:.0f} s" if took > 1 else "",
            )
        )
    return cases


def _within(case: Case, base: Case) -> str:
    """The verdict of a database-size row against the first measured size."""
    if math.isnan(case.orders_per_second) or math.isnan(base.orders_per_second):
        return ""
    slower = 1 - case.orders_per_second / base.orders_per_second
    later = case.p99_ms / base.p99_ms - 1
    worst = max(slower, later)
    verdict = "within 20%: met" if worst <= WITHIN else f"within 20%: not met ({worst:.0%} off)"
    return f"{-slower:+.0%} orders/s, {later:+.0%} p99 vs {base.label}; {verdict}"


def growth_table(cases: list[Case]) -> str:
    lines = [f"{'growth':<24}{'case':<22}{'orders/s':>10}{'p99 ms':>10}{'CPU ms/order':>14}  note"]
    base: Case | None = None
    for case in cases:
        note = case.note
        if case.table == "orders in the database" and not math.isnan(case.orders_per_second):
            if base is None:
                base = case
            elif comparison := _within(case, base):
                note = f"{comparison}{'; ' + note if note else ''}"
        values = (
            "" if math.isnan(x) else format(x, style)
            for x, style in (
                (case.orders_per_second, ",.1f"),
                (case.p99_ms, ",.0f"),
                (case.cpu_ms_per_order, ",.1f"),
            )
        )
        ops, p99, cpu = values
        lines.append(f"{case.table:<24}{case.label:<22}{ops:>10}{p99:>10}{cpu:>14}  {note}".rstrip())
    return "\n".join(lines)
