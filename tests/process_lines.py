"""A child process's output, read line by line on a thread, for tests that wait on what a process prints.

`wait_for(text, after=i)` blocks (bounded) until a line after index `i` holds `text` and returns its index, or fails
the test with everything read so far; `wait_closed` waits for the end of the output (the process exited).
"""

from __future__ import annotations

import subprocess
import threading

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
