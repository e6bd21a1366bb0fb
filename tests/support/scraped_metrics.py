"""Reading what a process's metrics say: the Prometheus text of a scrape, and the files each API
process writes to the shared folder (`PROMETHEUS_MULTIPROC_DIR`, docs/metrics.md)."""

import json
from collections import Counter
from pathlib import Path

from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families


def scraped(text: str, name: str, **labels: str) -> float:
    """The sum of the samples called `name` (`..._total`, `..._count`) whose labels include `labels`."""
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and s.labels.items() >= labels.items()
    )


def http_requests(text: str, route: str) -> float:
    return scraped(text, "bitloot_http_requests_total", route=route)


def per_process(folder: Path, route: str | None = None) -> Counter[str]:
    """How many requests (to `route`, or to any) each process wrote to its own file in the shared
    folder, by process id."""
    served: Counter[str] = Counter()
    for path in folder.glob("counter_*.db"):
        pid = path.stem.removeprefix("counter_")
        for key, value, _, _ in MmapedDict.read_all_values_from_file(str(path)):  # type: ignore[no-untyped-call]
            metric, _, labels, _ = json.loads(key)
            if metric == "bitloot_http_requests" and route in (None, labels.get("route")):
                served[pid] += int(value)
    return served
