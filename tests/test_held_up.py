"""The watchdog tells a busy machine from a dead source: a call-audio reader that only fell behind (the pipe holds
unread audio, or its child waits for a CPU) is waited for; one whose child hangs is still reopened.

The run-queue tests read /proc for real processes; the watchdog tests run a real `parec` against the server that
scripts/with_services.sh starts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from calmcue.audio import runqueue
from calmcue.audio.sources import DeviceLost, DeviceSource
from test_capture import BOUND_S, Player, player, pulse, tone  # noqa: F401 (fixtures)

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux /proc")


def _look(pid: int) -> runqueue.RunQueueSample:
    seen = runqueue.sample(pid)
    assert seen is not None, "this kernel shows /proc/PID/schedstat"
    return seen


@linux_only
def test_a_spinning_process_is_runnable_and_a_sleeping_one_is_not() -> None:
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        deadline = time.monotonic() + BOUND_S
        while not _look(spinner.pid).runnable:  # from 'starting' to spinning
            assert time.monotonic() < deadline
        assert runqueue.held_up(None, _look(spinner.pid))
        before = _look(sleeper.pid)
        time.sleep(0.2)
        after = _look(sleeper.pid)
        assert not after.runnable and not runqueue.held_up(before, after)
    finally:
        for proc in (spinner, sleeper):
            proc.kill()
            proc.wait(BOUND_S)


def test_held_up_is_a_share_of_the_wall_time_spent_waiting() -> None:
    before = runqueue.RunQueueSample(at_s=10.0, waited_s=5.0, runnable=False)
    assert runqueue.held_up(before, runqueue.RunQueueSample(at_s=11.0, waited_s=5.5, runnable=False))
    assert not runqueue.held_up(before, runqueue.RunQueueSample(at_s=11.0, waited_s=5.05, runnable=False))
    assert not runqueue.held_up(None, runqueue.RunQueueSample(at_s=11.0, waited_s=9.0, runnable=False))
    assert runqueue.sample(-1) is None  # no such process: nothing known


def _read_through(source: DeviceSource, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        source.read(0.2)


@linux_only
def test_a_call_audio_reader_that_falls_behind_is_waited_for_not_reopened(pulse: None, player: Player) -> None:  # noqa: F811
    """The reader thread stops reading for longer than the watchdog (as on a starved machine): parec's audio piles
    up in the pipe, so the source is alive and nothing is reopened; the wait is counted once."""
    from calmcue.audio.server_capture import ParecInput

    source = DeviceSource()  # the default input + speaker_sink.monitor, read by a parec child
    source.start()
    try:
        call = source._call
        assert isinstance(call, ParecInput)
        player.play("speaker_sink", tone(700.0, seconds=10.0))
        _read_through(source, 0.5)
        stall = threading.Event()
        real_nap_s = call._nap_s
        call._nap_s = lambda: DeviceSource.WATCHDOG_S + 1.5 if not stall.is_set() and not stall.set() \
            else real_nap_s()  # type: ignore[method-assign]
        _read_through(source, DeviceSource.WATCHDOG_S + 2.5)  # raises DeviceLost if the watchdog reopens
        assert stall.is_set()
        assert source.held_ups == 1
        assert not call.finished
    finally:
        source.stop()


@linux_only
def test_a_call_audio_reader_whose_child_hangs_is_still_reopened(pulse: None, player: Player) -> None:  # noqa: F811
    """A stopped parec neither writes nor waits for a CPU: that is a dead reader, and the watchdog says so."""
    source = DeviceSource()
    source.start()
    assert source._call is not None
    pid = source._call.pid
    try:
        player.play("speaker_sink", tone(700.0, seconds=10.0))
        _read_through(source, 0.5)
        os.kill(pid, signal.SIGSTOP)
        started = time.monotonic()
        with pytest.raises(DeviceLost, match="no audio from the call audio"):
            _read_through(source, BOUND_S)
        assert time.monotonic() - started < DeviceSource.HELD_UP_MAX_S
        assert source.held_ups == 0
    finally:
        os.kill(pid, signal.SIGCONT)
        source.stop()
