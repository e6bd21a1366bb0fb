"""CPU time and memory of every process a fulfilled order costs, read from /proc (Linux).

A process group is a name (`API`, `workers`, `PostgreSQL`, ...) and the processes it holds when
sampled. CPU time is utime + stime, the columns 14 and 15 of /proc/<pid>/stat; a process started
between two samples counts from zero, one that ended between them loses its last ticks (the pools
keep their connections, so that is rare). PostgreSQL counts the server's own processes and the
backends of the bench's database, not backends serving other databases on the same server."""

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

PROC = Path("/proc")
# "postgres: 15/main: user database 127.0.0.1(40984) idle": a backend, and the database it serves.
BACKEND = re.compile(r"^postgres: (?:\S+: )?\S+ (\S+) (?:\S+\(\d+\)|\[local\])")

Groups = Mapping[str, Iterable[int]]


def stat_ticks(stat: str) -> int:
    """utime + stime from the text of /proc/<pid>/stat (the command name may hold spaces or ')')."""
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def backend_database(cmdline: str) -> str | None:
    """The database a PostgreSQL backend serves, from its process title; None for the server's
    own processes (checkpointer, walwriter, autovacuum launcher, ...)."""
    match = BACKEND.match(cmdline)
    return match.group(1) if match else None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace")
    except OSError:  # the process ended meanwhile
        return None


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (granian serves from child processes)."""
    found = [pid]
    for task in (PROC / str(pid) / "task").glob("*"):
        children = _read(task / "children") or ""
        for child in children.split():
            found += descendants(int(child))
    return found


def named(name: str) -> list[int]:
    """Processes whose command name (/proc/<pid>/comm) is `name`."""
    pids = []
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (_read(entry / "comm") or "").strip() == name:
            pids.append(int(entry.name))
    return pids


def postgres_processes(database: str) -> list[int]:
    pids = []
    for pid in named("postgres"):
        cmdline = (_read(PROC / str(pid) / "cmdline") or "").replace("\0", " ").strip()
        if backend_database(cmdline) in (None, database):
            pids.append(pid)
    return pids


def ticks(pids: Iterable[int]) -> dict[int, int]:
    found = {}
    for pid in set(pids):
        stat = _read(PROC / str(pid) / "stat")
        if stat:
            found[pid] = stat_ticks(stat)
    return found


def sample(groups: Groups) -> dict[str, dict[int, int]]:
    """CPU ticks so far of each process of each group."""
    return {name: ticks(pids) for name, pids in groups.items()}


def cpu_seconds(
    before: Mapping[str, Mapping[int, int]], after: Mapping[str, Mapping[int, int]]
) -> dict[str, float]:
    """CPU seconds each group used between two samples."""
    per_second = os.sysconf("SC_CLK_TCK")
    return {
        name: sum(t - before.get(name, {}).get(pid, 0) for pid, t in now.items()) / per_second
        for name, now in after.items()
    }


def rss_mb(pid: int) -> float:
    """Resident memory of one process (VmRSS), in MB; 0 once it ended."""
    for line in (_read(PROC / str(pid) / "status") or "").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
