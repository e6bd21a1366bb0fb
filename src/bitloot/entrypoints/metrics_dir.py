"""The folder the API's processes share their metrics through (`PROMETHEUS_MULTIPROC_DIR`), named by
`bitloot serve` before anything imports prometheus_client: the library picks its mode once, at import,
and granian's workers inherit it.

Emptied at each start, so a scrape never adds in the files of an earlier run: an operator's own
folder (the variable already set, say to a tmpfs) is emptied of metrics files; otherwise a fresh
temporary folder is made, and removed when `serve` ends. A `bitloot worker` is one process and
keeps its metrics in memory: it never writes to the folder (`forget_metrics_dir`)."""

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def shared_metrics_dir() -> Iterator[Path]:
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before the metrics folder was named")
    given = os.environ.get(VARIABLE)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in [*folder.glob("*.db"), *folder.glob("*.json")]:
            stale.unlink()
        yield folder
        return
    folder = Path(tempfile.mkdtemp(prefix="bitloot-metrics-"))
    os.environ[VARIABLE] = str(folder)
    try:
        yield folder
    finally:
        os.environ.pop(VARIABLE, None)
        shutil.rmtree(folder, ignore_errors=True)


def forget_metrics_dir() -> None:
    """For a single-process command: its metrics stay in memory, out of the API's folder (else the
    API's `/metrics` would add them in as well)."""
    os.environ.pop(VARIABLE, None)
