"""CPU seconds of a process tree, per thread name, from /proc: where a benchmark's time went.

Why: on a shared machine a throughput figure moves with the other work on it, but the CPU a
process spent per item does not (much). Thread names split the service's CPU into its parts:
chDB's background merges (`MergeMutate`), its insert pipeline (`ThreadPool`), the Python
threads (`python`: HTTP, batching, handing Arrow to chDB), and the decode worker processes.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(stat: str) -> float:
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = task / "children"
        if children.exists():
            found += [int(c) for c in children.read_text().split()]
    return found


def snapshot(pid: int) -> Counter:
    """CPU seconds so far: the process's threads by name, its child processes as `decode workers`."""
    spent: Counter = Counter()
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            spent[(task / "comm").read_text().strip()] += _cpu_seconds((task / "stat").read_text())
        except FileNotFoundError:  # a thread that ended meanwhile
            continue
    for child in _children(pid):
        try:
            spent["decode workers"] += _cpu_seconds(Path(f"/proc/{child}/stat").read_text())
        except FileNotFoundError:
            continue
    return spent


def per_item(before: Counter, after: Counter, items: int, top: int = 5) -> dict[str, float]:
    """Microseconds of CPU per item between two snapshots: the `top` consumers, the rest, the total."""
    spent = Counter({name: after[name] - before.get(name, 0.0) for name in after})
    out = {name: round(seconds / items * 1e6, 2) for name, seconds in spent.most_common(top)}
    out["other"] = round(sum(v for _, v in spent.most_common()[top:]) / items * 1e6, 2)
    out["total"] = round(sum(spent.values()) / items * 1e6, 2)
    return out
