"""Is a reader child process held up by a busy machine, rather than fed nothing by its source? (Linux /proc)

On a loaded desktop a `parec` child may wait more than a second for a CPU. Its source keeps recording meanwhile
(the server buffers a record stream for a slow client), so waiting costs at most the stalled stretch (the reads
pad it and skip the late audio to stay aligned) - while reopening throws that buffer away, and the other stream's
audio with it. The kernel says how long a task has been runnable but not running
(`/proc/PID/schedstat`, second field, ns) and whether it is runnable now (`/proc/PID/stat`, state R). Where
either file is missing (not Linux, a kernel without schedstats, the child gone) nothing is known: None.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

HELD_UP_SHARE = 0.2  # waited for a CPU at least this share of the wall time between two samples: held up


@dataclass(frozen=True)
class RunQueueSample:
    """One look at a process: when (`at_s`, monotonic), its total wait on a run queue, and whether it waits now."""

    at_s: float
    waited_s: float
    runnable: bool


def sample(pid: int) -> RunQueueSample | None:
    """The process's run-queue figures now, or None when the kernel does not tell them."""
    try:
        waited_ns = int(Path(f"/proc/{pid}/schedstat").read_text().split()[1])
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, ValueError, IndexError):
        return None
    return RunQueueSample(at_s=time.monotonic(), waited_s=waited_ns / 1e9, runnable=state == "R")


def held_up(before: RunQueueSample | None, now: RunQueueSample, *, share: float = HELD_UP_SHARE) -> bool:
    """True when the process is waiting for a CPU now, or waited at least `share` of the time since `before`."""
    if now.runnable:
        return True
    if before is None or now.at_s <= before.at_s:
        return False
    return now.waited_s - before.waited_s >= share * (now.at_s - before.at_s)
