"""Where the worker's samples come from: live devices, a file played back, or a synthetic signal.

All sources share one small interface (`Source`): float32 blocks of shape (n, channels) at `rate_hz`, channel 0
the agent's microphone and channel 1 (when present) the call audio, i.e. the customer. The worker only ever
calls `start`, `read`, `stop` and `stats`, always from its own thread.

- `DeviceSource`: the headset microphone and the call audio, captured live (see audio/capture.py).
- `FileSource`: a recording played in real time (a demo without a headset) or as fast as asked (tests).
- `SyntheticSource`: samples in memory (tests, benchmarks).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from calmcue.errors import DeviceError

BLOCK_S = 0.01  # file and synthetic sources deliver 10 ms blocks, like a low-latency device


class SourceEnded(Exception):
    """`read` raises this when a finite source (a file) has no more samples."""


class DeviceLost(DeviceError):
    """`read` raises this when a device went away (unplugged, moved, sound server gone); reopen it later."""


@runtime_checkable
class Source(Protocol):
    """An audio source. `read` returns a block (n, channels) float32, or None when nothing came in time."""

    channels: int  # 1 = microphone only, 2 = microphone + call audio
    rate_hz: int  # the rate of the blocks `read` returns (the device's native rate; the worker resamples)

    def start(self) -> None:
        """Opens the device or file; raises DeviceError (a clear, actionable message) when it cannot."""

    def read(self, timeout_s: float) -> np.ndarray | None:
        """Waits up to `timeout_s` for samples; raises SourceEnded at the end of a file, DeviceLost on loss."""

    def stop(self) -> None:
        """Closes the device or file; safe to call twice, never raises."""

    @property
    def stats(self) -> tuple[int, int]:
        """(overflows, dropped_blocks) since start: device overflows and blocks lost because the ring was full."""


# --- live devices ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceSourceFactory:
    """Makes `DeviceSource`s for the worker: call it (no arguments) to get a new, unopened source.

    `mic`/`call` are device names or ids as `calmcue devices` lists them; "" means the system default input
    (mic) and, for the call, the default playback device's monitor (Linux) or loopback (Windows) if there is
    one; "none" means no call audio. The worker uses `with_devices` for `SelectDevices`.
    """

    mic: str = ""
    call: str = ""
    latency: str = "low"

    def __call__(self) -> Source:
        return DeviceSource(mic=self.mic, call=self.call, latency=self.latency)

    def with_devices(self, *, mic: str, call: str) -> DeviceSourceFactory:
        return replace(self, mic=mic, call=call)


class DeviceSource:
    """The headset microphone (channel 0) and the call audio (channel 1, when there is one), captured live.

    Each is its own stream, chosen per stream (no process-wide PULSE_SOURCE): the microphone through PortAudio,
    the call audio through PortAudio too when it names a PortAudio device, else through the sound server
    (monitor source) or WASAPI loopback (soundcard). Both run at the microphone's native rate; the worker
    resamples. `read` raises DeviceLost when the microphone's stream ends, its callbacks stop for
    WATCHDOG_S, or the sound server moves or drops one of our streams (PulseWatcher).
    """

    WATCHDOG_S = 1.5  # no callback for this long: the device is gone (a loaded 2-core box stalls ~1 s)
    START_TIMEOUT_S = 3.0  # the first block must come within this
    MAX_SKEW_S = 0.1  # the call audio may lag the microphone this much before it is padded with silence
    POLL_S = 0.005  # while waiting for the first blocks
    READ_S = 0.05  # `read` returns once this much audio is in: fewer, larger batches cost less CPU per hop

    def __init__(self, *, mic: str = "", call: str = "", latency: str = "low", read_s: float = READ_S) -> None:
        self.mic_spec, self.call_spec, self.latency = mic, call, latency
        self.read_s = read_s
        self.channels = 1
        self.rate_hz = 0
        self.label = ""
        self.note = ""  # why there is no call audio (said once by the worker)
        self._mic: Any = None
        self._call: Any = None
        self._watcher: Any = None
        self._seen: dict[int, tuple[int, float]] = {}
        self._stamp: float | None = None
        self._skew = 0

    def start(self) -> None:
        from calmcue.audio import devices

        devices.refresh_portaudio()
        mic = devices.resolve_mic(self.mic_spec)
        call, self.note = devices.resolve_call(self.call_spec)
        if call is not None and call.backend == devices.PORTAUDIO and call.id == mic.id:
            raise DeviceError(f"'{mic.name}' was chosen as both the microphone and the call audio; pick a "
                              f"different call-audio source, or --call none")
        try:
            self._open(mic, call)
            self._wait_first_blocks()
        except BaseException:
            self.stop()
            raise
        self.label = f"{mic.name} + {call.name}" if call is not None else mic.name
        self._watcher = devices.PulseWatcher()
        self._watcher.start(expected_streams=0)

    def _open(self, mic: Any, call: Any) -> None:
        from calmcue.audio import devices
        from calmcue.audio.capture import PortAudioInput, SoundcardInput

        self.rate_hz = mic.rate_hz
        self.channels = 1
        self._mic = PortAudioInput(device=int(mic.id), name=mic.name, rate_hz=self.rate_hz, latency=self.latency)
        self._mic.open()
        devices.stream_opened()
        if call is not None and call.backend == devices.PORTAUDIO:
            # both PortAudio streams are created first and started back to back: sample k of one and sample k
            # of the other were then captured at the same moment (measured through PulseAudio: the same index)
            self._call = PortAudioInput(device=int(call.id), name=call.name, rate_hz=self.rate_hz,
                                        latency=self.latency)
            self._call.open()
            devices.stream_opened()
            self._mic.start()
            self._call.start()
        else:
            self._mic.start()
            if call is not None:
                self._call = SoundcardInput(source_id=call.id, name=call.name, rate_hz=self.rate_hz,
                                            loopback=call.loopback)
                self._call.start()
        if self._call is not None:
            self.channels = 2
            self._skew = round(self.MAX_SKEW_S * self.rate_hz)

    def _wait_first_blocks(self) -> None:
        """Waits for the first blocks. Two PortAudio streams started together are aligned by sample index;
        otherwise what came before is dropped, so that both channels start (about) together."""
        from calmcue.audio.capture import PortAudioInput

        streams = [s for s in (self._mic, self._call) if s is not None and not s.idles]
        deadline = time.monotonic() + self.START_TIMEOUT_S
        while any(s.ring.callbacks == 0 for s in streams):
            if time.monotonic() > deadline:
                late = next(s for s in streams if s.ring.callbacks == 0)
                raise DeviceError(f"'{late.name}' opened but sent no audio within {self.START_TIMEOUT_S:g} s; "
                                  f"check the device or the sound server")
            time.sleep(self.POLL_S)
        now = time.monotonic()
        aligned = self._call is None or isinstance(self._call, PortAudioInput)
        for s in (self._mic, self._call):
            if s is not None:
                if not aligned:
                    s.ring.skip(s.ring.available())
                self._seen[id(s)] = (s.ring.callbacks, now)

    def read(self, timeout_s: float) -> np.ndarray | None:
        if self._mic is None:
            raise DeviceLost("the audio is not open")
        deadline = time.monotonic() + timeout_s
        want = max(self._mic.block_frames, round(self.read_s * self.rate_hz))
        while True:
            self._check()
            frames = self._ready_frames()
            if frames >= want:
                return self._take(frames)
            now = time.monotonic()
            if now >= deadline:
                return self._take(frames) if frames else None
            # sleep about until the missing audio is due (the device delivers in real time)
            time.sleep(min(deadline - now, max(self.POLL_S, (want - frames) / self.rate_hz)))

    def _ready_frames(self) -> int:
        m = self._mic.ring.available()
        if self._call is None:
            return int(m)
        c = self._call.ring.available()
        if c > m + self._skew:  # the call audio ran ahead (a burst, or the microphone dropped): realign
            self._call.ring.skip(c - m)
            c = m
        return int(m - self._skew if m - c > self._skew else min(m, c))

    def _take(self, frames: int) -> np.ndarray:
        mic = self._mic.ring.pop(frames)
        self._stamp = self._mic.ring.stamp_of(self._mic.ring.read)
        if self._call is None:
            return mic
        call = self._call.ring.pop(frames)
        out = np.zeros((frames, 2), np.float32)
        out[:, 0] = mic[:, 0]
        out[: call.shape[0], 1] = call[:, 0]  # a loopback that sends nothing while nothing plays: silence
        return out

    def _check(self) -> None:
        now = time.monotonic()
        if self._watcher is not None and self._watcher.problem:
            raise _lost(self._watcher.problem, self._silent_s(now))
        for s, what in ((self._mic, "microphone"), (self._call, "call audio")):
            if s is None:
                continue
            if s.finished:
                raise _lost(f"the {what} '{s.name}' stopped (unplugged, or the sound server stopped)",
                            self._silent_s(now))
            count, since = self._seen[id(s)]
            if s.ring.callbacks != count:
                self._seen[id(s)] = (s.ring.callbacks, now)
            elif not s.idles and now - since > self.WATCHDOG_S:
                raise _lost(f"no audio from the {what} '{s.name}' for {now - since:.1f} s", now - since)

    def _silent_s(self, now: float) -> float:
        return now - self._seen[id(self._mic)][1] if id(self._mic) in self._seen else 0.0

    def age_s(self) -> float | None:
        """Seconds since the microphone callback delivered the newest sample of the last block read."""
        if self._stamp is None or self._mic is None:
            return None
        return self._mic.now() - self._stamp

    def stop(self) -> None:
        from calmcue.audio import devices
        from calmcue.audio.capture import PortAudioInput

        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        for s in (self._call, self._mic):
            if s is not None:
                s.stop()
                if isinstance(s, PortAudioInput):
                    devices.stream_closed()
        self._mic = self._call = None

    @property
    def stats(self) -> tuple[int, int]:
        streams = [s for s in (self._mic, self._call) if s is not None]
        self._last_stats = (sum(s.overflows for s in streams), sum(s.ring.dropped_blocks for s in streams)) \
            if streams else getattr(self, "_last_stats", (0, 0))
        return self._last_stats


def _lost(message: str, silent_s: float) -> DeviceLost:
    err = DeviceLost(message)
    err.silent_s = silent_s  # type: ignore[attr-defined]
    return err


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


class FileSource:
    """A recording played back as if live: real time by default (demo mode), or `speed` x / unpaced.

    A mono file is the agent; a stereo file has the agent on channel 0 and the customer on channel 1; or give
    the customer as a separate mono `far_end` file. Any rate the engine reads (the worker resamples).
    """

    def __init__(self, path: Path, *, realtime: bool = True, speed: float = 1.0, far_end: Path | None = None,
                 loop: bool = False) -> None:
        from calmcue.audio.files import probe

        self.path, self.far_end, self.loop = Path(path), far_end, loop
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

    def start(self) -> None:
        self._blocks = self._open()
        self._pending = np.zeros((0, self.channels), np.float32)
        self._pacer.start()

    def _open(self) -> Iterator[np.ndarray]:
        from calmcue.audio.files import paired_blocks, read_blocks

        if self.far_end is None:
            return read_blocks(self._info)
        return paired_blocks(self._info, self._far_info)

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
