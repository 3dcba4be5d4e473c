"""Where the worker's samples come from: live devices, a file played back, or a synthetic signal.

All sources share one small interface (`Source`): float32 blocks of shape (n, channels) at `rate_hz`, channel 0
the agent's microphone and channel 1 (when present) the call audio, i.e. the customer. The worker only ever
calls what `Source` declares, always from its own thread.

- `DeviceSource` (audio/live.py): the headset microphone and the call audio, captured live (audio/capture.py).
- `FileSource`: a recording played in real time (a demo without a headset) or as fast as asked (tests).
- `SyntheticSource`: samples in memory (tests, benchmarks).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from calmcue.errors import DeviceError

BLOCK_S = 0.01  # file and synthetic sources deliver 10 ms blocks, like a low-latency device


class SourceEnded(Exception):
    """`read` raises this when a finite source (a file) has no more samples."""


class DeviceLost(DeviceError):
    """`read` raises this when a device went away (unplugged, moved, sound server gone); reopen it later.
    `silent_s`: seconds from the last audio to the loss being noticed (None when unknown). `waiting`: the
    message already says the device is awaited (a chosen headset gone): look again soon, without backing off."""

    def __init__(self, message: str, *, silent_s: float | None = None, waiting: bool = False) -> None:
        super().__init__(message)
        self.silent_s = silent_s
        self.waiting = waiting


class DeviceAbsent(DeviceError):
    """`start` raises this when the chosen device (or the sound server) is not there now but is expected back
    (a headset unplugged, a server restarting): the worker says so and looks again soon, without backing off."""

    poll_s = 0.5


@runtime_checkable
class Source(Protocol):
    """An audio source. `read` returns a block (n, channels) float32, or None when nothing came in time."""

    channels: int  # 1 = microphone only, 2 = microphone + call audio
    rate_hz: int  # the rate of the blocks `read` returns (the device's native rate; the worker resamples)
    label: str  # what is open, for the log ("" before `start`)
    note: str  # after `start`: why there is no call audio ("" when there is, or when it does not apply)

    def start(self) -> None:
        """Opens the device or file; raises DeviceError (a clear, actionable message) when it cannot."""

    def read(self, timeout_s: float) -> np.ndarray | None:
        """Waits up to `timeout_s` for samples; raises SourceEnded at the end of a file, DeviceLost on loss."""

    def stop(self) -> None:
        """Closes the device or file; safe to call twice, never raises."""

    @property
    def stats(self) -> tuple[int, int]:
        """(overflows, dropped_blocks) since start: device overflows and blocks lost because the ring was full."""

    def age_s(self) -> float | None:
        """Seconds from the capture of the newest sample of the last block read until now (None: unknown)."""


@runtime_checkable
class ReportsMicGain(Protocol):
    """A source that knows the microphone's gain as the system sets it (DeviceSource, from the sound server): the
    worker tells the detector when it moves, so a gain slider or a softphone's gain control is no raised voice."""

    def mic_gain_db(self) -> float:
        """The microphone's gain now, in dB on any fixed scale (NaN: not known)."""


@runtime_checkable
class PacedReads(Protocol):
    """A source whose reads may wait longer while nothing is heard (DeviceSource): after each analysed block the
    worker says whether the engine heard anything in it, and how long a read may then wait (fewer wake-ups while
    nobody speaks)."""

    def pace(self, *, quiet: bool, quiet_read_s: float | None = None) -> None: ...

    def interrupt(self) -> None:
        """Ends the wait of the `read` under way (or the next) now, with what has come; from any thread."""


@runtime_checkable
class SelectsDevices(Protocol):
    """A source factory whose devices can be changed (DeviceSourceFactory): SelectDevices and Reload use it."""

    def __call__(self) -> Source: ...

    def with_devices(self, *, mic: str, call: str) -> SelectsDevices: ...


# --- live devices: audio/live.py (DeviceSource, DeviceSourceFactory), kept importable from here --------------


def __getattr__(name: str) -> Any:
    if name in ("DeviceSource", "DeviceSourceFactory", "DevicePins"):
        from calmcue.audio import live

        return getattr(live, name)
    raise AttributeError(name)


# --- files and memory -----------------------------------------------------------------------------------------


class _Pacer:
    """Releases blocks no faster than real time x `speed` (no pacing when `realtime` is False)."""

    def __init__(self, *, rate_hz: int, realtime: bool, speed: float) -> None:
        self.rate_hz, self.realtime, self.speed = rate_hz, realtime, speed
        self._t0 = 0.0
        self._sent = 0

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._sent = 0

    def wait_for(self, frames: int, timeout_s: float) -> bool:
        """True once `frames` more samples are due; False if that takes longer than `timeout_s`."""
        if not self.realtime:
            self._sent += frames
            return True
        due = self._t0 + (self._sent + frames) / (self.rate_hz * self.speed)
        wait_s = due - time.monotonic()
        if wait_s > timeout_s:
            time.sleep(max(0.0, timeout_s))
            return False
        if wait_s > 0:
            time.sleep(wait_s)
        self._sent += frames
        return True


def _skip(blocks: Iterator[np.ndarray], frames: int) -> Iterator[np.ndarray]:
    """The blocks without their first `frames` samples."""
    for block in blocks:
        if frames >= block.shape[0]:
            frames -= block.shape[0]
            continue
        yield block[frames:]
        frames = 0


class SyntheticSource:
    """Samples held in memory, delivered in 10 ms blocks, in real time or as fast as the worker reads.

    `samples` is (n,) mono or (n, channels). With `loop`, it starts over at the end; otherwise `read` raises
    SourceEnded. Tests also use it to stand in for a device: `fail_open` makes `start` raise DeviceError.
    """

    def __init__(self, samples: np.ndarray, *, rate_hz: int = 16_000, realtime: bool = False, speed: float = 1.0,
                 loop: bool = False, block_s: float = BLOCK_S, fail_open: str = "") -> None:
        data = np.asarray(samples, np.float32)
        self.samples = data[:, None] if data.ndim == 1 else data
        self.channels = int(self.samples.shape[1])
        self.rate_hz = int(rate_hz)
        self.loop = loop
        self.block = max(1, round(block_s * rate_hz))
        self.fail_open = fail_open
        self._pacer = _Pacer(rate_hz=self.rate_hz, realtime=realtime, speed=speed)
        self._pos = 0
        self.started = False
        self.label = "synthetic signal"
        self.note = ""

    def start(self) -> None:
        if self.fail_open:
            raise DeviceError(self.fail_open)
        self._pos = 0
        self.started = True
        self._pacer.start()

    def read(self, timeout_s: float) -> np.ndarray | None:
        if self._pos >= self.samples.shape[0]:
            if not self.loop or self.samples.shape[0] == 0:
                raise SourceEnded
            self._pos = 0
        block = self.samples[self._pos : self._pos + self.block]
        if not self._pacer.wait_for(block.shape[0], timeout_s):
            return None
        self._pos += block.shape[0]
        return block.copy()

    def stop(self) -> None:
        self.started = False

    @property
    def stats(self) -> tuple[int, int]:
        return (0, 0)

    def age_s(self) -> float | None:
        return None


class FileSource:
    """A recording played back as if live: real time by default (demo mode), or `speed` x / unpaced.

    A mono file is the agent; a stereo file has the agent on channel 0 and the customer on channel 1; or give
    the customer as a separate mono `far_end` file. Any rate the engine reads (the worker resamples).
    """

    def __init__(self, path: Path, *, realtime: bool = True, speed: float = 1.0, far_end: Path | None = None,
                 loop: bool = False, start_s: float = 0.0) -> None:
        from calmcue.audio.files import probe

        self.path, self.far_end, self.loop = Path(path), far_end, loop
        self.start_s = start_s  # play from here (the demo with a saved baseline skips its calm opening)
        info = probe(self.path)
        self._info = info
        if far_end is not None:
            if info.channels != 1:
                from calmcue.errors import BadInputError

                raise BadInputError(f"{path}: is stereo, so it already holds the customer on channel 1; "
                                    f"leave out the far-end file")
            from calmcue.timebase import ANALYSIS_RATE_HZ

            self._far_info = probe(far_end, max_channels=1)
            self.channels, self.rate_hz = 2, ANALYSIS_RATE_HZ
        else:
            self.channels, self.rate_hz = info.channels, info.rate_hz
        self._pacer = _Pacer(rate_hz=self.rate_hz, realtime=realtime, speed=speed)
        self._blocks: Iterator[np.ndarray] | None = None
        self._pending = np.zeros((0, self.channels), np.float32)
        self._block = max(1, round(BLOCK_S * self.rate_hz))
        self.label = str(self.path) if far_end is None else f"{self.path} + {far_end}"
        self.note = ""

    def start(self) -> None:
        self._blocks = self._open()
        self._pending = np.zeros((0, self.channels), np.float32)
        self._pacer.start()

    def _open(self) -> Iterator[np.ndarray]:
        from calmcue.audio.files import paired_blocks, read_blocks

        blocks = read_blocks(self._info) if self.far_end is None else paired_blocks(self._info, self._far_info)
        return _skip(blocks, round(self.start_s * self.rate_hz)) if self.start_s > 0 else blocks

    def read(self, timeout_s: float) -> np.ndarray | None:
        if self._blocks is None:
            raise SourceEnded
        while self._pending.shape[0] < self._block:
            more = next(self._blocks, None)
            if more is None:
                if self._pending.shape[0] == 0:
                    if not self.loop:
                        raise SourceEnded
                    self._blocks = self._open()
                    continue
                break
            self._pending = np.concatenate([self._pending, more]) if self._pending.size else more
        block = self._pending[: self._block]
        if not self._pacer.wait_for(block.shape[0], timeout_s):
            return None
        self._pending = self._pending[self._block :]
        return np.array(block, np.float32)

    def stop(self) -> None:
        self._blocks = None

    @property
    def stats(self) -> tuple[int, int]:
        return (0, 0)

    def age_s(self) -> float | None:
        return None
