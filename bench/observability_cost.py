"""What metrics and JSON logs cost: the same shop measured with them (production's settings) and
without (`BITLOOT_METRICS=off`, text logs, at the same INFO level), in the same run.

The turns alternate in pairs (on, off, off, on, ...), so a load that rises or falls steadily during
the run weighs on both sides alike. The noise printed beside the cost is the spread between turns of
the same configuration: a cost smaller than it cannot be told from nothing. Throughput on a machine
shared with other work is noisy; work per CPU second of the shop's own processes (the last two rows)
shows the same cost with much less noise, as long as the shop is CPU-bound."""

from collections.abc import Callable
from dataclasses import dataclass
from statistics import mean

TARGET = 0.05


@dataclass(frozen=True)
class Variant:
    name: str
    env: dict[str, str]


OBSERVED = Variant("metrics on, JSON logs", {"BITLOOT_METRICS": "on", "BITLOOT_LOG_FORMAT": "json"})
BARE = Variant("metrics off, text logs", {"BITLOOT_METRICS": "off", "BITLOOT_LOG_FORMAT": "text"})


@dataclass(frozen=True)
class Figures:
    orders_per_second: float
    reads_per_second: float
    # CPU time of the API and workers per order fulfilled and per status read: the same cost seen
    # with far less noise from other work on the machine.
    cpu_ms_per_order: float = 0.0
    cpu_ms_per_read: float = 0.0


def turns(per_variant: int, first: Variant = OBSERVED, second: Variant = BARE) -> list[Variant]:
    """`per_variant` turns of each, in pairs whose order alternates: on, off, off, on, on, off, ..."""
    schedule: list[Variant] = []
    for pair in range(per_variant):
        schedule += [first, second] if pair % 2 == 0 else [second, first]
    return schedule


def cost(observed: list[float], bare: list[float]) -> float:
    """The share of the bare shop's throughput that observability takes (negative: none seen)."""
    return 1 - mean(observed) / mean(bare)


def spread(values: list[float]) -> float:
    """How far turns of one configuration lie apart, as a share of their mean (0 for a single turn)."""
    return (max(values) - min(values)) / mean(values) if len(values) > 1 else 0.0


def cost_table(results: list[tuple[Variant, Figures]], observed: Variant, bare: Variant) -> str:
    # The CPU rows are inverted (1 / CPU per unit), so that for every row the cost is the share of
    # throughput lost, and a higher value is better.
    measures: tuple[tuple[str, Callable[[Figures], float], str], ...] = (
        ("orders/s, IPN -> fulfilled", lambda f: f.orders_per_second, ",.1f"),
        ("status reads req/s", lambda f: f.reads_per_second, ",.0f"),
        ("orders per CPU second", lambda f: 1000 / f.cpu_ms_per_order if f.cpu_ms_per_order else 0, ",.1f"),
        (
            "status reads per CPU second",
            lambda f: 1000 / f.cpu_ms_per_read if f.cpu_ms_per_read else 0,
            ",.0f",
        ),
    )
    order = ", ".join("on" if v == observed else "off" for v, _ in results)
    lines = [
        f"observability cost: {observed.name} vs {bare.name}, turns in the order {order}",
        f"{'measure':<48}{'on':>10}{'off':>10}{'cost':>8}{'target':>8}{'noise':>8}  turns (on | off)",
    ]
    for title, figure, style in measures:
        on = [figure(f) for v, f in results if v == observed]
        off = [figure(f) for v, f in results if v == bare]
        if not all(on + off):
            continue  # not measured (no CPU figures)
        taken = cost(on, off)
        noise = max(spread(on), spread(off))
        verdict = "ok" if taken < TARGET else "over"
        if abs(taken) <= noise:
            verdict += ", within noise"
        each = f"{' '.join(format(x, style) for x in on)} | {' '.join(format(x, style) for x in off)}"
        lines.append(
            f"{'observability cost: ' + title:<48}{mean(on):>10{style}}{mean(off):>10{style}}"
            f"{taken:>8.1%}{'< 5%':>8}{noise:>8.1%}  {each}  ({verdict})"
        )
    return "\n".join(lines)
