"""The database figures' loop (docs/metrics.md): one process of those sharing a metrics folder reads them,
another takes over once it stops, and a process on its own always does."""

import subprocess
import sys
from pathlib import Path

from bitloot.entrypoints.metrics_figures import FiguresLock


def test_one_process_of_those_sharing_the_folder_holds_the_lock_until_it_lets_go(tmp_path: Path) -> None:
    # Two processes' locks: flock() locks of separate open files exclude each other, in one process too.
    first, second = FiguresLock(tmp_path), FiguresLock(tmp_path)

    assert first.held()
    assert first.held(), "the holder keeps it"
    assert not second.held()
    first.release()
    assert second.held()
    assert not first.held()
    second.release()


def test_without_a_shared_folder_the_process_reads_the_figures_itself() -> None:
    alone = FiguresLock(None)

    assert alone.held()
    alone.release()
    assert alone.held()


def test_a_holder_that_dies_frees_the_lock_for_the_others(tmp_path: Path) -> None:
    with subprocess.Popen(  # noqa: S603 - this interpreter, on our own module
        [sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    ) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "held"
            survivor = FiguresLock(tmp_path)
            assert not survivor.held()
        finally:
            holder.kill()
            holder.wait(timeout=10)
    assert survivor.held()
    survivor.release()


HOLDER = """
import sys, time
import subprocess
import sys
from pathlib import Path
from bitloot.entrypoints.metrics_figures import FiguresLock
assert FiguresLock(Path(sys.argv[1])).held()
print("held", flush=True)
time.sleep(60)
"""
