"""Capture streams: the audio callback copies each block into a preallocated ring and counts; nothing else.

`Ring` is a single-producer / single-consumer ring buffer with monotonic frame indices and no locks (under the
GIL an int store is atomic; the producer publishes `write` only after the samples are in place). The producer is
the PortAudio callback (`PortAudioInput`) or, for sources PortAudio cannot open (PulseAudio monitor sources by
name, WASAPI loopback on Windows), a reader thread blocked in `soundcard` (`SoundcardInput`). The consumer is the
worker thread. When the ring is full the block is dropped and counted, never waited for.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np

from calmcue.errors import DeviceError

RING_S = 4.0  # seconds of audio the ring holds: the worker may stall this long without a drop
STAMPS = 512  # callback time stamps kept (for callback-to-features latency)


class Ring:
    """Preallocated SPSC ring of float32 frames (capacity, channels) with monotonic write/read indices."""

    def __init__(self, *, capacity_frames: int, channels: int) -> None:
        self.capacity = int(capacity_frames)
        self.channels = channels
        self.buf = np.zeros((self.capacity, channels), np.float32)
        self.write = 0  # frames ever written (producer only)
        self.read = 0  # frames ever read (consumer only)
        self.callbacks = 0  # blocks offered by the producer
        self.dropped_blocks = 0  # blocks that did not fit
        self.stamp_end = np.full(STAMPS, -1, np.int64)  # write index after callback k % STAMPS ...
        self.stamp_time = np.zeros(STAMPS, np.float64)  # ... and the stream time at that callback

    # -- producer (audio callback): copy and count, nothing else -------------------------------------------
    def push(self, block: np.ndarray, stamp: float) -> None:
        n = block.shape[0]
        w = self.write
        if w + n - self.read > self.capacity:
            self.dropped_blocks += 1
            self.callbacks += 1
            return
        i = w % self.capacity
        first = min(n, self.capacity - i)
        self.buf[i : i + first] = block[:first]
        if first < n:
            self.buf[: n - first] = block[first:]
        k = self.callbacks % STAMPS
        self.stamp_end[k] = w + n
        self.stamp_time[k] = stamp
        self.write = w + n
        self.callbacks += 1

    # -- consumer (worker thread) --------------------------------------------------------------------------
    def available(self) -> int:
        return self.write - self.read

    def pop(self, frames: int) -> np.ndarray:
        """Copies out the oldest `frames` frames (at most what is available)."""
        frames = min(frames, self.available())
        i = self.read % self.capacity
        first = min(frames, self.capacity - i)
        out = np.empty((frames, self.channels), np.float32)
        out[:first] = self.buf[i : i + first]
        if first < frames:
            out[first:] = self.buf[: frames - first]
        self.read += frames
        return out

    def skip(self, frames: int) -> None:
        self.read += min(frames, self.available())

    def stamp_of(self, end_index: int) -> float | None:
        """The stream time of the callback whose block ended at or after `end_index` (None if forgotten)."""
        hits = np.nonzero(self.stamp_end >= end_index)[0]
        if hits.size == 0:
            return None
        return float(self.stamp_time[hits[np.argmin(self.stamp_end[hits])]])


class PortAudioInput:
    """One sounddevice InputStream (mono) whose callback only copies into a Ring and counts."""

    idles = False  # a microphone delivers blocks all the time; a pause in callbacks means trouble

    def __init__(self, *, device: int, name: str, rate_hz: int, latency: str, block_s: float = 0.01,
                 ring_s: float = RING_S) -> None:
        self.device, self.name, self.rate_hz = device, name, int(rate_hz)
        self.latency = latency
        self.block_frames = max(1, round(block_s * self.rate_hz))
        self.ring = Ring(capacity_frames=round(ring_s * self.rate_hz), channels=1)
        self.overflows = 0
        self.finished = False
        self._stream: Any = None

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        if status and status.input_overflow:
            self.overflows += 1
        self.ring.push(indata, time_info.currentTime)

    def _on_finished(self) -> None:
        self.finished = True

    def open(self) -> None:
        """Creates the stream without starting it (so that two streams can be started together)."""
        import sounddevice as sd

        from calmcue.audio.devices import portaudio_lock

        try:
            with portaudio_lock:
                self._stream = sd.InputStream(device=self.device, channels=1, samplerate=self.rate_hz,
                                              blocksize=self.block_frames, latency=self.latency,
                                              dtype="float32", callback=self._callback,
                                              finished_callback=self._on_finished)
        except (sd.PortAudioError, ValueError) as err:
            self.stop()
            raise DeviceError(f"cannot open '{self.name}' ({_short(err)}); check that it is plugged in and not "
                              f"used exclusively by another program, or pick another (calmcue devices)") from None

    def start(self) -> None:
        """Opens (if needed) and starts the stream."""
        import sounddevice as sd

        if self._stream is None:
            self.open()
        try:
            self._stream.start()
        except sd.PortAudioError as err:
            self.stop()
            raise DeviceError(f"cannot start '{self.name}' ({_short(err)}); check the device, or pick another "
                              f"(calmcue devices)") from None

    def now(self) -> float:
        """The stream clock that the callback stamps use."""
        try:
            return float(self._stream.time) if self._stream is not None else 0.0
        except Exception:
            return 0.0

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            stream.abort(ignore_errors=True)
            stream.close(ignore_errors=True)
        except Exception:  # a vanished device or server can make closing fail; the stream is gone either way
            pass


class SoundcardInput:
    """A source PortAudio cannot open, read through `soundcard` in a reader thread that fills a Ring.

    On Linux: any PulseAudio/PipeWire source by name, including `<sink>.monitor` (the call audio). On Windows:
    the WASAPI loopback of a playback device; a loopback delivers nothing while nothing plays (`idles`).
    """

    def __init__(self, *, source_id: str, name: str, rate_hz: int, loopback: bool, block_s: float = 0.01,
                 ring_s: float = RING_S) -> None:
        self.source_id, self.name, self.rate_hz = source_id, name, int(rate_hz)
        self.idles = loopback
        self.block_frames = max(1, round(block_s * self.rate_hz))
        self.ring = Ring(capacity_frames=round(ring_s * self.rate_hz), channels=1)
        self.overflows = 0
        self.finished = False
        self.error = ""
        self._running = False
        self._opened = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._running = True
        self._thread = threading.Thread(target=self._read_loop, name="calmcue-capture", daemon=True)
        self._thread.start()
        if not self._opened.wait(5.0) or self.error:
            self.stop()
            raise DeviceError(f"cannot open '{self.name}' ({self.error or 'no answer within 5 s'}); "
                              f"pick another call-audio source (calmcue devices)")

    def _read_loop(self) -> None:
        try:
            import soundcard

            mic = soundcard.get_microphone(self.source_id, include_loopback=True)
            with mic.recorder(samplerate=self.rate_hz, channels=1, blocksize=self.block_frames) as recorder:
                self._opened.set()
                while self._running:
                    data = recorder.record(numframes=None)
                    if data.shape[0]:
                        self.ring.push(np.asarray(data, np.float32).reshape(-1, 1), time.monotonic())
        except Exception as err:  # the reader thread reports, the worker decides
            self.error = _short(err)
        finally:
            self.finished = True
            self._opened.set()

    def now(self) -> float:
        return time.monotonic()

    def stop(self) -> None:
        self._running = False
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(1.0)
        self._thread = None


def _short(err: BaseException) -> str:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text[:160]
