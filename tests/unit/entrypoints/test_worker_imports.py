"""A worker process loads no web framework: Litestar (and advanced-alchemy, which imports it) cost a
worker tens of MB of memory for nothing."""

import json
import subprocess
import sys

SCRIPT = """
import json, sys
import bitloot.entrypoints.worker
import bitloot.entrypoints.tasks
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("litestar", "advanced_alchemy"))))
"""


def test_the_worker_entrypoint_imports_neither_litestar_nor_advanced_alchemy() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)  # noqa: S603
    assert json.loads(done.stdout) == []
