"""CPU seconds spent by the processes of a run, read from /proc (Linux): the web workers, the database's
backends and the client. On a shared, loaded machine completions per second say little alone; CPU time per
completion says what the code costs and how many completions two cores could carry at best."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS


def children_cpu(parent: int) -> dict[int, float]:
    """CPU seconds of each child process of `parent` (gunicorn's workers)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat and stat[0] == parent:
                found[int(entry.name)] = stat[1]
    return found


def database_cpu(database: str) -> dict[int, float]:
    """CPU seconds of the PostgreSQL backends serving `database` (their title names it), when visible."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            stat = _stat(int(entry.name))
            if stat:
                found[int(entry.name)] = stat[1]
    return found


def own_cpu() -> float:
    times = os.times()
    return times.user + times.system


def spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two readings, by processes alive at the second (new ones count whole)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def machine() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already counted in user
    return (total - idle) / TICKS, total / TICKS
