"""Faults a test scripts into a fake provider server: the next matching requests fail with a status,
hang, or are handled and then lose their answer. Shared by the fake NOWPayments and Kinguin."""

import asyncio
import threading
from contextlib import suppress
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

FaultKind = Literal["status", "hang", "drop"]


@dataclass
class ScriptedFault:
    method: str
    path_prefix: str
    kind: FaultKind
    times: int
    status: int = 503
    seconds: float = 0.0


class ScriptedFaults:
    """Mixin: the class provides the fields `_faults`, `_lock` and `_stopping`; its request handler
    takes the request's fault (`_take_fault`, under the lock), answers a `status` fault itself, and
    calls `_hang` before its work and `_drop` after it."""

    _faults: list[ScriptedFault]
    _lock: threading.Lock
    _stopping: asyncio.Event | None

    def fail(self, method: str, path_prefix: str, *, status: int = 503, times: int = 1) -> None:
        """The next `times` matching requests are answered `status` (and not handled)."""
        self._add(ScriptedFault(method, path_prefix, "status", times, status=status))

    def hang(self, method: str, path_prefix: str, *, seconds: float, times: int = 1) -> None:
        """The next `times` matching requests wait `seconds` before they are handled."""
        self._add(ScriptedFault(method, path_prefix, "hang", times, seconds=seconds))

    def drop_response(self, method: str, path_prefix: str, *, times: int = 1) -> None:
        """The next `times` matching requests are handled (an invoice or order is created) and then
        the connection is closed without an answer."""
        self._add(ScriptedFault(method, path_prefix, "drop", times))

    def _add(self, fault: ScriptedFault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, method: str, path: str) -> ScriptedFault | None:
        """The fault scripted for this request, if any; call it holding `_lock`."""
        for fault in self._faults:
            if fault.method == method and path.startswith(fault.path_prefix) and fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
                return fault
        return None

    async def _hang(self, fault: ScriptedFault | None) -> None:
        if fault is not None and fault.kind == "hang":
            assert self._stopping is not None
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), fault.seconds)

    @staticmethod
    def _drop(request: web.Request, fault: ScriptedFault | None) -> None:
        if fault is not None and fault.kind == "drop":
            # The work is done; the answer never arrives.
            assert request.transport is not None
            request.transport.abort()
            raise asyncio.CancelledError
