"""What the bare-capture benchmarks share: a process's CPU from /proc, and capture paths run in turns in children.

call_capture_cpu.py and mic_capture_cpu.py run each path in its own child process (`SCRIPT --child PATH
--seconds S`, which prints one JSON line of figures) and go through the paths in turns (ABC ABC ...), so that a
load change on a shared machine hits all of them alike.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def under_private_server(name: str) -> bool:
    """True under scripts/with_services.sh; otherwise says how to run `name` and returns False."""
    if os.environ.get("CALMCUE_PULSE") == "1":
        return True
    print(f"{name}: needs the private sound server: run it under scripts/with_services.sh", file=sys.stderr)
    return False


def run_in_turns(script: str, paths: list[str], *, seconds: float,
                 rounds: int) -> tuple[dict[str, list[dict[str, float]]], list[float]]:
    """Each path's figures per round (a failed run is reported and left out) and the load average before and
    after each round."""
    runs: dict[str, list[dict[str, float]]] = {p: [] for p in paths}
    loads = [os.getloadavg()[0]]
    for _ in range(rounds):
        for path in paths:
            out = subprocess.run([sys.executable, script, "--child", path, "--seconds", str(seconds)],
                                 capture_output=True, text=True, timeout=seconds + 60)
            if out.returncode != 0:
                print(f"{path}: failed: {out.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
                continue
            runs[path].append(json.loads(out.stdout.strip().splitlines()[-1]))
        loads.append(os.getloadavg()[0])
    return runs, loads
