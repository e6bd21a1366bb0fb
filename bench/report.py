"""The table `just bench` ends with: one row per figure of issue 14's target table, each with its
value, its target, the ceiling it is compared with (and the ratio), and a verdict that says by how
much a target is missed."""

import math
from dataclasses import dataclass

NOT_MEASURED = float("nan")


@dataclass(frozen=True)
class Target:
    """`value >= limit` (at_least) or `value <= limit`."""

    at_least: bool
    limit: float
    style: str = ",.0f"

    def __str__(self) -> str:
        return f"{'>=' if self.at_least else '<='} {self.limit:{self.style}}"

    def verdict(self, value: float) -> str:
        if math.isnan(value):
            return "not measured"
        if value >= self.limit if self.at_least else value <= self.limit:
            return "met"
        if self.at_least:
            return f"not met: {1 - value / self.limit:.0%} short" if value > 0 else "not met: none"
        return f"not met: {value / self.limit:.1f}x the limit"


def at_least(limit: float, style: str = ",.0f") -> Target:
    return Target(True, limit, style)


def at_most(limit: float, style: str = ",.0f") -> Target:
    return Target(False, limit, style)


@dataclass(frozen=True)
class Row:
    measure: str
    value: float
    style: str = ",.0f"
    target: Target | None = None
    ceiling: str = ""

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "not measured" if math.isnan(self.value) else ""
        return self.target.verdict(self.value)


def ratio(value: float, ceiling: float) -> float:
    """`value / ceiling`, not measured when either is missing or the ceiling is zero."""
    if math.isnan(value) or math.isnan(ceiling) or ceiling == 0:
        return NOT_MEASURED
    return value / ceiling


def beside(name: str, ceiling: float, value: float, style: str = ",.0f") -> str:
    """The ceiling column: the ceiling's name and figure, and the value as a share of it."""
    if math.isnan(ceiling):
        return f"{name}: not measured"
    return f"{name} {ceiling:{style}}: {ratio(value, ceiling):.3f}x"


def percentile(values: list[float], p: float) -> float:
    """The `p` quantile (0..1) of `values` by the nearest rank below; not measured when empty."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else NOT_MEASURED


def table(rows: list[Row]) -> str:
    width = max([len(r.measure) for r in rows] + [len("measure")]) + 2
    ceiling = max([len(r.ceiling) for r in rows] + [len("ceiling / ratio")]) + 2
    lines = [f"{'measure':<{width}}{'value':>12}{'target':>12}  {'ceiling / ratio':<{ceiling}}verdict"]
    for row in rows:
        value = "-" if math.isnan(row.value) else format(row.value, row.style)
        target = str(row.target) if row.target else ""
        lines.append(f"{row.measure:<{width}}{value:>12}{target:>12}  {row.ceiling:<{ceiling}}{row.verdict}")
    return "\n".join(lines)
