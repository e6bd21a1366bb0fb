"""`bitloot_stock_available` and `bitloot_stock_low_threshold`, by SKU: exactly the products of the
latest figures, so a product removed from the catalog (or no longer listed own stock, for the
threshold) loses its series at the next refresh instead of showing its last value until a restart.

prometheus-client's gauges cannot forget a series across processes (a value written to the shared
folder stays there), so these two are a collector of their own. On its own a process keeps the
latest figures in memory. Under `bitloot serve` the process that reads the figures writes them to a
small file in the shared folder (`FILE_NAME`, replaced whole, never half written) and every process
answers a scrape from that file, so any granian worker shows the same, current SKUs."""

import json
import logging
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bitloot.application.use_cases.measure_shop import StockFigure

log = logging.getLogger(__name__)

FILE_NAME = "stock-figures.json"
AVAILABLE = ("bitloot_stock_available", "Keys available per product")
LOW_THRESHOLD = ("bitloot_stock_low_threshold", "Low-stock threshold of listed own-stock products")


class StockGauges(Collector):
    def __init__(self, folder: Path | None = None) -> None:
        """`folder`: the folder the API's processes share (multiprocess mode), else None."""
        self._file = None if folder is None else folder / FILE_NAME
        self._latest: tuple[StockFigure, ...] = ()

    def show(self, stock: Sequence[StockFigure]) -> None:
        """The stock of every product now; any SKU not among them is gone from the gauges."""
        self._latest = tuple(stock)
        if self._file is not None:
            rows = [[s.sku, s.available, s.low_threshold] for s in self._latest]
            fd, temporary = tempfile.mkstemp(dir=self._file.parent, prefix=".stock-", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    json.dump(rows, out)
                os.replace(temporary, self._file)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise

    def collect(self) -> Iterator[GaugeMetricFamily]:
        available = GaugeMetricFamily(*AVAILABLE, labels=["sku"])
        low = GaugeMetricFamily(*LOW_THRESHOLD, labels=["sku"])
        for stock in self._current():
            available.add_metric([stock.sku], stock.available)
            if stock.low_threshold is not None:
                low.add_metric([stock.sku], stock.low_threshold)
        yield available
        yield low

    def _current(self) -> Sequence[StockFigure]:
        if self._file is None:
            return self._latest
        try:
            rows = json.loads(self._file.read_text(encoding="utf-8"))
        except FileNotFoundError:  # no figures read yet
            return ()
        except (OSError, ValueError):  # never a failed scrape for it: the next refresh rewrites it
            log.warning("the stock figures file could not be read", exc_info=True)
            return ()
        return [StockFigure(str(sku), int(available), low) for sku, available, low in rows]
