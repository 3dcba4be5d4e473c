"""A PortAudio input whose callback is C (rtmixer): no Python runs on the audio thread at all.

`rtmixer.Recorder` is a PortAudio stream whose callback is compiled code; a `record_ringbuffer` action makes it
copy each block into PortAudio's lock-free ring buffer (`pa_ringbuffer`), and it counts blocks and overflows in the
action's stats. `RecorderRing` is the worker's side of that ring, with the consumer interface of audio/ring.py's
`Ring` (available, pop, skip, read, write, callbacks, dropped_blocks, stamp_of), so that DeviceSource, the
watchdog and the worker's counters work on either. The ring's memory is a numpy array owned here: pops are numpy
copies straight into the caller's block.

What differs from the Python callback, and how it is made up for:
- A full ring: rtmixer's callback writes what fits and then ends the action (it records no more). The consumer
  notices (the ring is full and the action is gone), arms a new one as soon as the ring has room, and counts the
  blocks the stream delivered meanwhile as dropped (from the two actions' start times); never silent.
- No per-callback time stamps: when a sample reached the ring is estimated from the stream's clock and the ring's
  write index. Each look at the ring gives `now - written / rate`, an upper bound of the time at which frame 0
  would have had to be delivered for the newest frame to be delivered promptly; the estimate is the lowest such
  bound seen, allowed to rise by LEAK (so a device clock slower than the system's is followed) and moved by any gap.
"""

from __future__ import annotations

import logging
import math
import os
from enum import StrEnum
from typing import Any

import numpy as np

from calmcue.audio.capture import RING_S, PortAudioStreamInput
from calmcue.errors import DeviceError

log = logging.getLogger("calmcue.audio")

LEAK_S_PER_S = 0.02  # how fast the delivery-time estimate may rise: a too-early anchor (audio the server held
# before the stream started, a rewind) is forgotten within seconds; between reads it adds at most ~12 ms (a 0.6 s
# quiet read; ~1 ms between 50 ms reads)


def available() -> bool:
    """Whether rtmixer (and so a C callback) can be imported here: installed, and its compiled part loads."""
    try:
        import rtmixer  # noqa: F401
    except Exception:  # missing, or a wheel whose compiled part does not load on this machine
        return False
    return True


class RecorderRing:
    """The consumer side of the ring an rtmixer Recorder records into (mono float32), Ring's interface."""

    def __init__(self, *, capacity_frames: int, rate_hz: int, block_frames: int) -> None:
        import rtmixer

        self.capacity = 1 << max(1, math.ceil(math.log2(max(2, capacity_frames))))  # pa_ringbuffer: a power of 2
        self.channels = 1
        self.rate_hz, self.block_frames = int(rate_hz), int(block_frames)
        self.buf = np.zeros((self.capacity, 1), np.float32)
        self.rb = rtmixer.RingBuffer(4, buffer=self.buf)
        self.read = 0  # frames ever read or skipped
        self.dropped_blocks = 0
        self._recorder: Any = None
        self._action: Any = None
        self._done_blocks = 0  # blocks seen by the actions that have ended
        self._done_overflows = 0
        self._gap_from_s = -1.0  # stream time of the first frame lost, while an ended action awaits its successor
        self._t0_s = math.inf  # estimated stream time at which frame 0 was delivered (see the module's docstring)
        self._looked_s = 0.0

    # -- the recorder's side -----------------------------------------------------------------------------------
    def attach(self, recorder: Any) -> None:
        """Arms the recorder to record into this ring (before or after the stream starts)."""
        self._recorder = recorder
        self._action = recorder.record_ringbuffer(self.rb)

    @property
    def callbacks(self) -> int:
        """Blocks the stream has delivered to the ring (the watchdog watches this move)."""
        action = self._action
        return self._done_blocks + (int(action.stats.blocks) if action is not None else 0)

    @property
    def overflows(self) -> int:
        action = self._action
        return self._done_overflows + (int(action.stats.input_overflows) if action is not None else 0)

    @property
    def write(self) -> int:
        return self.read + int(self.rb.read_available)

    # -- the worker's side ---------------------------------------------------------------------------------------
    def available(self) -> int:
        ready = int(self.rb.read_available)
        if ready + self.block_frames > self.capacity:
            self._rearm_if_ended()
        self._look(self.read + ready)
        return ready

    def pop(self, frames: int, *, into: np.ndarray | None = None) -> np.ndarray:
        """Copies out the oldest `frames` frames (at most what is available), into a new array or into the first
        rows of `into` (e.g. one column of the caller's block); returns those rows."""
        frames = min(frames, int(self.rb.read_available))
        i = self.read % self.capacity
        first = min(frames, self.capacity - i)
        out = np.empty((frames, 1), np.float32) if into is None else into[:frames]
        out[:first] = self.buf[i : i + first]
        if first < frames:
            out[first:] = self.buf[: frames - first]
        self._advance(frames)
        return out

    def skip(self, frames: int) -> None:
        self._advance(min(frames, int(self.rb.read_available)))

    def stamp_of(self, end_index: int) -> float | None:
        """Estimated stream time at which frame `end_index` reached the ring (None before the first look)."""
        if math.isinf(self._t0_s):
            return None
        return self._t0_s + end_index / self.rate_hz

    def _advance(self, frames: int) -> None:
        self.rb.advance_read_index(frames)  # the memory barrier before the callback may write there again
        self.read += frames
        if self._gap_from_s >= 0.0 or self._action is None:
            self._rearm_if_ended()

    def _look(self, written: int) -> None:
        recorder = self._recorder
        if recorder is None:
            return
        try:
            now = float(recorder.time)
        except Exception:
            return
        bound = now - written / self.rate_hz
        leaked = self._t0_s + LEAK_S_PER_S * max(0.0, now - self._looked_s)
        self._t0_s, self._looked_s = min(bound, leaked), now

    def _rearm_if_ended(self) -> None:
        """A full ring ended rtmixer's action: once there is room, a new one; the frames lost meanwhile counted
        as dropped blocks (and the delivery-time estimate moved past them)."""
        recorder, action = self._recorder, self._action
        if recorder is None:
            return
        if action is not None and self._gap_from_s < 0.0 and action not in recorder.actions:
            self._done_blocks += int(action.stats.blocks)
            self._done_overflows += int(action.stats.input_overflows)
            self._gap_from_s = float(action.actual_time) + float(action.done_frames) / self.rate_hz
            self._action = action = None
            self.dropped_blocks += 1  # the block that did not fit, at once; the rest when the gap is known
        if action is None and int(self.rb.write_available) >= self.capacity // 4:
            self._action = action = recorder.record_ringbuffer(self.rb)
        if action is not None and self._gap_from_s >= 0.0 and float(action.actual_time) > 0.0:
            gap_frames = max(0.0, (float(action.actual_time) - self._gap_from_s) * self.rate_hz)
            self.dropped_blocks += max(0, math.ceil(gap_frames / self.block_frames) - 1)
            self._t0_s += gap_frames / self.rate_hz
            self._gap_from_s = -1.0


class RtmixerInput(PortAudioStreamInput):
    """An rtmixer Recorder recording into a RecorderRing: no Python callback at all."""

    kind = "rtmixer"

    def __init__(self, *, device: int, name: str, rate_hz: int, latency: str | float, block_s: float = 0.01,
                 ring_s: float = RING_S) -> None:
        super().__init__(device=device, name=name, rate_hz=rate_hz, latency=latency, block_s=block_s)
        self.ring = RecorderRing(capacity_frames=round(ring_s * self.rate_hz), rate_hz=self.rate_hz,
                                 block_frames=self.block_frames)

    @property
    def overflows(self) -> int:
        return self.ring.overflows

    def _new_stream(self) -> Any:
        """The recorder, its recording into the ring armed (before the stream starts)."""
        import rtmixer

        recorder = rtmixer.Recorder(device=self.device, channels=1, samplerate=self.rate_hz,
                                    blocksize=self.block_frames, latency=self.latency,
                                    finished_callback=self._on_finished)
        try:
            self.ring.attach(recorder)
        except Exception:
            recorder.close()  # not yet ours to close (open() has not kept it)
            raise
        return recorder


class Capture(StrEnum):
    """How a PortAudio device is captured: `rtmixer` (the C callback above), `sounddevice` (a Python callback
    into audio/ring.py's Ring: capture.PortAudioInput), or `auto`: rtmixer where it can be imported, else
    sounddevice. The environment variable CALMCUE_CAPTURE overrides `auto` (benchmarks compare the two)."""

    AUTO = "auto"
    RTMIXER = "rtmixer"
    SOUNDDEVICE = "sounddevice"


def resolve(kind: Capture = Capture.AUTO) -> Capture:
    """The capture that `kind` means here and now (never AUTO). Asking for rtmixer where it is missing is an
    error that says how to fix it."""
    if kind is Capture.AUTO:
        wanted = os.environ.get("CALMCUE_CAPTURE", "").strip().lower()
        if not wanted or wanted == Capture.AUTO:
            return Capture.RTMIXER if available() else Capture.SOUNDDEVICE
        if wanted not in (Capture.RTMIXER, Capture.SOUNDDEVICE):
            raise DeviceError(f"CALMCUE_CAPTURE='{wanted}' is not a capture; use rtmixer, sounddevice or auto, "
                              f"or unset it")
        kind = Capture(wanted)
    if kind is Capture.RTMIXER and not available():
        raise DeviceError("the rtmixer capture was asked for but the package 'rtmixer' is not installed; install "
                          "it (pip install rtmixer) or unset CALMCUE_CAPTURE")
    return kind


def input_class(kind: Capture) -> Any:
    """The class capturing a PortAudio device the way `kind` (resolved) says."""
    if kind is Capture.RTMIXER:
        return RtmixerInput
    from calmcue.audio.capture import PortAudioInput

    return PortAudioInput
