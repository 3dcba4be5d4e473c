"""Capture streams: the audio callback copies each block into a preallocated ring and counts; nothing else.

`Ring` is a single-producer / single-consumer ring buffer with monotonic frame indices and no locks (under the
GIL an int store is atomic; the producer publishes `write` only after the samples are in place). The producer is
the PortAudio callback (`PortAudioInput`) or, for sources PortAudio cannot open, a reader thread
(audio/server_capture.py: on Linux a sound-server source read by name from a `parec` child process, on Windows a
WASAPI loopback through `soundcard`). The consumer is the worker
thread. When the ring is full the block is dropped and counted, never waited for.

Where rtmixer can be imported, PortAudio devices are captured by a callback in C instead (audio/rtcapture.py);
`PortAudioInput` is the fallback. Both are a `PortAudioStreamInput` (opening, starting, closing, errors).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from calmcue.audio.ring import Ring
from calmcue.errors import DeviceError

# The ALSA buffer (PortAudio's suggested latency) of a capture stream on the ALSA host API, per latency class.
# Through the ALSA pulse plugin the buffer sets how often the blocks come: with PortAudio's 'low' (a 20 ms buffer)
# the 10 ms blocks came in bursts every ~15 ms, with 0.05 s every ~25 ms, with 0.1 s every ~35 ms (the server's
# own buffer latency of the stream stayed at 0.24 ms). Fewer bursts, fewer wake-ups: a bare 10 ms-block capture
# at 48 kHz cost 2.1-3.0 % of a core with 'low', 1.5-2.4 % with 0.05 s, 1.4-1.7 % with 0.1 s; the monitor's
# callback-to-features p99 was 16, 26 and 36 ms (benchmarks/mic_capture_cpu.py; tray_threads.md, third round).
# 0.05 s keeps most of the saving and room under the 40 ms bound.
ALSA_BUFFER_S = {"low": 0.05, "high": 0.1}
log = logging.getLogger("calmcue.audio")
CLOSE_BOUND_S = 2.0  # the longest the caller waits for a PortAudio stream to close (see close_stream)
RING_S = 4.0  # seconds of audio the ring holds: the worker may stall this long without a drop


def suggested_latency(latency: str, *, hostapi: str) -> str | float:
    """What to ask PortAudio for: on ALSA a buffer of ALSA_BUFFER_S for the class (see there), elsewhere the class
    itself (WASAPI, MME and Core Audio size their buffers from it as they see fit)."""
    if hostapi == "ALSA" and latency in ALSA_BUFFER_S:
        return ALSA_BUFFER_S[latency]
    return latency


class PortAudioStreamInput:
    """What every PortAudio microphone input shares: one mono stream of `block_s` blocks at `rate_hz`, opened
    under the PortAudio lock, started, its clock read and closed within a bound, with one-line errors. Subclasses
    make the stream (`_new_stream`) and the ring it fills (`ring`, `overflows`). `latency` is a PortAudio latency
    class ('low', 'high') or seconds (see `suggested_latency`)."""

    idles = False  # a microphone delivers blocks all the time; a pause in callbacks means trouble
    kind = ""

    def __init__(self, *, device: int, name: str, rate_hz: int, latency: str | float, block_s: float = 0.01) -> None:
        self.device, self.name, self.rate_hz = device, name, int(rate_hz)
        self.latency = latency
        self.block_frames = max(1, round(block_s * self.rate_hz))
        self.finished = False
        self.error = ""  # PortAudio says nothing about why a stream finished
        self._stream: Any = None

    def _new_stream(self) -> Any:
        raise NotImplementedError

    def _on_finished(self) -> None:
        self.finished = True

    def open(self) -> None:
        """Creates the stream without starting it (so that two streams can be started together)."""
        import sounddevice as sd

        from calmcue.audio.devices import portaudio, portaudio_lock, stream_opened

        try:
            with portaudio_lock:  # created and counted at once: PortAudio is never released under an open stream
                portaudio()
                self._stream = self._new_stream()
                stream_opened()
        except (sd.PortAudioError, ValueError, RuntimeError) as err:
            self.stop()
            raise DeviceError(f"cannot open '{self.name}' ({short_error(err)}); check that it is plugged in and not "
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
            raise DeviceError(f"cannot start '{self.name}' ({short_error(err)}); check the device, or pick another "
                              f"(calmcue devices)") from None

    def now(self) -> float:
        """The stream clock (the ring's time stamps are on it)."""
        try:
            return float(self._stream.time) if self._stream is not None else 0.0
        except Exception:
            return 0.0

    def stop(self, *, then: Callable[[], None] | None = None) -> None:
        """Aborts and closes the stream (bounded wait: see close_stream), then calls `then`; it stops counting as
        open once it is closed (its close may outlast the bound)."""
        from calmcue.audio.devices import stream_closed

        stream, self._stream = self._stream, None

        def closed() -> None:
            if stream is not None:
                stream_closed()
            if then is not None:
                then()

        close_stream(stream, name=self.name, then=closed)


class PortAudioInput(PortAudioStreamInput):
    """A sounddevice InputStream whose Python callback only copies into a Ring and counts."""

    kind = "sounddevice"

    def __init__(self, *, device: int, name: str, rate_hz: int, latency: str | float, block_s: float = 0.01,
                 ring_s: float = RING_S) -> None:
        super().__init__(device=device, name=name, rate_hz=rate_hz, latency=latency, block_s=block_s)
        self.ring = Ring(capacity_frames=round(ring_s * self.rate_hz), channels=1)
        self.overflows = 0

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        if status and status.input_overflow:
            self.overflows += 1
        self.ring.push(indata, time_info.currentTime)

    def _new_stream(self) -> Any:
        import sounddevice as sd

        return sd.InputStream(device=self.device, channels=1, samplerate=self.rate_hz, blocksize=self.block_frames,
                              latency=self.latency, dtype="float32", callback=self._callback,
                              finished_callback=self._on_finished)


def close_stream(stream: Any, *, name: str, then: Callable[[], None] | None = None) -> None:
    """Aborts and closes a PortAudio stream (None: nothing to close), then calls `then` (once it is closed,
    whenever that is).

    When the sound server dies under the stream, PortAudio's abort can wait on the ALSA pulse plugin's thread
    for a long time (measured: over 30 s, in about one server kill in ten): the worker must not wait with it,
    or the tray never says the audio is lost and never reconnects. So the close runs on its own thread and the
    caller waits at most CLOSE_BOUND_S; a stream still closing after that finishes on its own."""
    if stream is None:
        if then is not None:
            then()
        return

    def close() -> None:
        try:
            stream.abort(ignore_errors=True)
            stream.close(ignore_errors=True)
        except Exception:  # a vanished device or server can make closing fail; the stream is gone either way
            pass
        finally:
            if then is not None:
                then()

    closer = threading.Thread(target=close, name="calmcue-close", daemon=True)
    closer.start()
    closer.join(CLOSE_BOUND_S)
    if closer.is_alive():
        log.warning("closing '%s' took over %g s (the sound server went away?); it finishes on its own",
                    name, CLOSE_BOUND_S)
        _no_portaudio_exit_handler()


def _no_portaudio_exit_handler() -> None:
    """sounddevice terminates PortAudio at exit, which waits for a stream still closing - for ever, if its server
    died: the app would hang on quit. The process's end releases the audio anyway, so that handler is dropped."""
    import atexit

    import sounddevice

    handler = getattr(sounddevice, "_exit_handler", None)  # private, hence looked up, not relied on
    if handler is not None:
        atexit.unregister(handler)


def short_error(err: BaseException) -> str:
    """The first line of an error's message, at most 160 characters (for one-line messages)."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text[:160]
