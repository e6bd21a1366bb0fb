"""Is the service able to work? Checks each dependency for real, with a bound on each."""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bitloot.application.ports.clock import Clock
from bitloot.application.ports.health import HealthProbe

log = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class HealthReport:
    ok: bool
    timestamp: datetime
    checks: dict[str, str]


class CheckHealth:
    def __init__(self, probes: Sequence[HealthProbe], clock: Clock) -> None:
        self._probes = probes
        self._clock = clock

    async def execute(self) -> HealthReport:
        results = await asyncio.gather(*(self._run(probe) for probe in self._probes))
        checks = {probe.name: result for probe, result in zip(self._probes, results, strict=True)}
        return HealthReport(ok=all(r == "ok" for r in results), timestamp=self._clock.now(), checks=checks)

    @staticmethod
    async def _run(probe: HealthProbe) -> str:
        try:
            await asyncio.wait_for(probe.check(), CHECK_TIMEOUT_SECONDS)
        except Exception:  # a health check reports every failure, whatever it is
            log.warning("health check %s failed", probe.name, exc_info=True)
            return "error"
        return "ok"
