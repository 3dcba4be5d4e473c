"""A child process's output, read line by line on a thread, for tests that wait on what a process prints.

`wait_for(text, after=i)` blocks (bounded) until a line after index `i` holds `text` and returns its index, or fails
the test with everything read so far; `wait_closed` waits for the end of the output (the process exited).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

BOUND_S = 30.0


class ProcessLines:
    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.closed = False
        self._cond = threading.Condition()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def _find(self, text: str, after: int) -> int | None:
        return next((i for i in range(after, len(self.lines)) if text in self.lines[i]), None)

    def wait_for(self, text: str, after: int = 0, timeout_s: float = BOUND_S) -> int:
        with self._cond:
            self._cond.wait_for(lambda: self.closed or self._find(text, after) is not None, timeout_s)
            index = self._find(text, after)
            ended = "the process ended" if self.closed else f"{timeout_s:g} s passed"
            assert index is not None, f"no line with '{text}' ({ended}):\n" + "\n".join(self.lines)
            return index

    def wait_closed(self, timeout_s: float = BOUND_S) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self.closed, timeout_s)

    def text(self) -> str:
        with self._cond:
            return "\n".join(self.lines)


def monitor_until(marker: str, *, tmp_path: Path, mic: str, call: str = "none",
                  then: Callable[[], None] = lambda: None) -> list[str]:
    """Runs `calmcue monitor` on `mic` (private data and config folders, bounded by BOUND_S), calls `then` once it
    started (e.g. to play into the device), reads its lines until one holds `marker` or it ends, stops it with
    SIGINT and returns the lines read (newlines kept)."""
    env = dict(os.environ, CALMCUE_DATA_DIR=str(tmp_path / "data"), CALMCUE_CONFIG_DIR=str(tmp_path / "cfg"),
               PYTHONUNBUFFERED="1")
    monitor = subprocess.Popen([sys.executable, "-m", "calmcue", "monitor", "--mic", mic, "--call", call,
                                "--seconds", str(BOUND_S)],  # the bound: its output ends by then at the latest
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: list[str] = []
    try:
        then()
        assert monitor.stdout is not None
        for line in monitor.stdout:
            lines.append(line)
            if marker in line:
                break
    finally:
        monitor.send_signal(signal.SIGINT)
        monitor.wait(timeout=BOUND_S)
    return lines
