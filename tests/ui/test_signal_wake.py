"""The tray app handles SIGTERM/SIGINT while its event loop idles, without a timer waking it (issue 15)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from types import FrameType

import pytest
from PyQt6.QtCore import QEventLoop, QTimer
from PyQt6.QtWidgets import QApplication

from calmcue.ui.launch import wake_for_signals

BOUND_MS = 10_000
POLL_SYSCALLS = {"7", "271"}  # poll, ppoll (x86-64): where Qt's event loop waits


def _signal_once_idle(tid: int, seen: list[bool]) -> None:
    """Sends SIGUSR1 once the thread `tid` waits in poll (native code: no Python will run there by itself)."""
    deadline = time.monotonic() + BOUND_MS / 2000
    while time.monotonic() < deadline:
        if Path(f"/proc/self/task/{tid}/syscall").read_text().split()[0] in POLL_SYSCALLS:
            os.kill(os.getpid(), signal.SIGUSR1)
            return
        time.sleep(0.001)
    seen.append(False)  # never saw the loop idle: fail rather than pass for the wrong reason


@pytest.mark.skipif(not Path("/proc/self/syscall").exists(), reason="needs Linux /proc to see the loop idle")
def test_a_signal_is_handled_while_the_event_loop_runs_no_python(qapp: QApplication) -> None:
    """The loop below runs only C++ (its bound quits it through a C++ slot) and the signal comes once it waits in
    poll, so the Python handler can run while the loop still runs only if the wake-up socket's notifier gave
    Python control."""
    notifier = wake_for_signals(qapp)
    assert notifier is not None
    loop = QEventLoop()
    seen: list[bool] = []

    def handler(_signum: int, _frame: FrameType | None) -> None:
        seen.append(loop.isRunning())
        loop.quit()

    previous = signal.signal(signal.SIGUSR1, handler)
    try:
        main = threading.main_thread().native_id
        sender = threading.Thread(target=_signal_once_idle, args=(main, seen))
        QTimer.singleShot(0, sender.start)
        QTimer.singleShot(BOUND_MS, loop.quit)  # a C++ slot: no Python code runs when it fires
        loop.exec()
        sender.join(BOUND_MS / 1000)
        assert seen == [True], "the handler ran only after the loop ended (nothing woke Python while idle)"
    finally:
        signal.signal(signal.SIGUSR1, previous)
        signal.set_wakeup_fd(-1)
        notifier.setEnabled(False)
        notifier.deleteLater()
