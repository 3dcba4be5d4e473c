"""Capture streams: the audio callback copies each block into a preallocated ring and counts; nothing else.

`Ring` is a single-producer / single-consumer ring buffer with monotonic frame indices and no locks (under the
GIL an int store is atomic; the producer publishes `write` only after the samples are in place). The producer is
the PortAudio callback (`PortAudioInput`) or, for sources PortAudio cannot open, a reader thread: on Linux it
reads a sound-server source by name (the call audio, e.g. `speaker_sink.monitor`) from a `parec` child process
(`ParecInput`), on Windows a WASAPI loopback through `soundcard` (`SoundcardInput`). The consumer is the worker
thread. When the ring is full the block is dropped and counted, never waited for.

Where rtmixer can be imported, PortAudio devices are captured by a callback in C instead (audio/rtcapture.py);
`PortAudioInput` is the fallback. Both are a `PortAudioStreamInput` (opening, starting, closing, errors).

Why a child process on Linux: the `soundcard` package keeps one libpulse connection from import on and never
reconnects; a request on it after a sound-server restart fails an assertion inside libpulse and aborts the whole
process (SIGABRT, no `except` can catch it). A `parec` that dies with the server is only a lost device.
"""

from __future__ import annotations

import array
import contextlib
import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from calmcue.audio import runqueue
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

        from calmcue.audio.devices import portaudio_lock

        try:
            with portaudio_lock:
                self._stream = self._new_stream()
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
        """Aborts and closes the stream (bounded wait: see close_stream), then calls `then`."""
        stream, self._stream = self._stream, None
        close_stream(stream, name=self.name, then=then)


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


class ParecInput:
    """A sound-server source (PulseAudio, or PipeWire's pulse server) read by name from a `parec` child process.

    The child writes raw float32 mono at `rate_hz` to a pipe; a reader thread copies whole samples into the Ring
    and, once the ring's write index reaches `wake_at` (set by the consumer before it waits), sets `arrived`: the
    worker sleeps on that instead of polling (the reader is an ordinary thread, not a real-time callback, so it
    may take the Event's lock). When the child ends (the source or the server went away, or it was killed) the
    stream is `finished` (and `arrived` set) and `error` holds the child's last words; nothing the child does can
    take this process down. The server sees the stream under the child's process id (`pid`), which is how
    PulseWatcher tells it from the microphone.
    """

    idles = False  # a monitor source with a reader keeps its sink running: blocks come all the time
    LATENCY_MS = 20  # what parec asks the server for (see benchmarks/call_capture_cpu.py for the cost of each)
    READ_BYTES = 65536  # the most one read takes from the pipe (the pipe holds 64 KiB: 340 ms at 48 kHz)
    NAP_MIN_S = 0.008  # the reader lets the pipe fill when what the worker waits for is due later than this ...
    NAP_MAX_S = 0.2  # ... for at most this long (the server sends a packet every ~5 ms: 200 reads a second), and
    # never past half of what the pipe holds (PIPE_BYTES), so that parec is never held up writing
    PIPE_BYTES = 65536  # a Linux pipe's default capacity
    LOOK_GAP_S = 2.0  # `held_up` compares with its last look only if it was this recent

    def __init__(self, *, source_id: str, name: str, rate_hz: int, latency_ms: int = LATENCY_MS,
                 ring_s: float = RING_S) -> None:
        self.source_id, self.name, self.rate_hz = source_id, name, int(rate_hz)
        self.latency_ms = int(latency_ms)
        self.block_frames = max(1, round(self.latency_ms / 1000 * self.rate_hz))
        self.ring = Ring(capacity_frames=round(ring_s * self.rate_hz), channels=1)
        self.overflows = 0
        self.finished = False
        self.error = ""
        self.pid = 0
        self.arrived = threading.Event()  # set once `ring.write >= wake_at`, and when the child ends
        self.wake_at = 0
        self.nap_max_s = min(self.NAP_MAX_S, self.PIPE_BYTES / 2 / 4 / self.rate_hz)  # 4 bytes a sample
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self._last_look: runqueue.RunQueueSample | None = None

    def command(self) -> list[str]:
        exe = shutil.which("parec")
        if exe is None:
            raise DeviceError(f"cannot read the call audio '{self.name}': the program 'parec' is missing; install "
                              f"it (Debian/Ubuntu: apt-get install pulseaudio-utils) or use --call none")
        return [exe, "--raw", "--format=float32le", f"--rate={self.rate_hz}", "--channels=1",
                f"--latency-msec={self.latency_ms}", f"--device={self.source_id}", "--client-name=CalmCue",
                "--stream-name=CalmCue call audio"]

    def start(self) -> None:
        try:
            # its own session: Ctrl-C in a terminal signals the whole foreground group, and a parec that died of
            # it first read as the sound server closing the call audio; CalmCue stops it itself
            self._proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, bufsize=0, start_new_session=True)
        except OSError as err:
            raise DeviceError(f"cannot start 'parec' for '{self.name}' ({err.strerror}); check that "
                              f"pulseaudio-utils is installed, or use --call none") from None
        self.pid = self._proc.pid
        self._thread = threading.Thread(target=self._read_loop, name="calmcue-parec", daemon=True)
        self._thread.start()

    def _read_loop(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        fd = proc.stdout.fileno()
        rest = b""
        try:
            while True:
                chunk = os.read(fd, self.READ_BYTES)
                if not chunk:
                    break
                data = rest + chunk if rest else chunk
                whole = len(data) - len(data) % 4
                rest = data[whole:]
                if whole:
                    self.ring.push(np.frombuffer(data[:whole], "<f4").reshape(-1, 1), time.monotonic())
                    if self.ring.write >= self.wake_at:
                        self.arrived.set()
                self._nap()
        except OSError as err:
            self.error = short_error(err)
        finally:
            self._ended(proc)

    def _nap(self) -> None:
        """Sleeps while the audio the worker waits for (`wake_at`) is still well ahead, so that the packets pile
        up in the pipe and one read takes them all, instead of waking for each. Just after the worker was woken
        (`wake_at` reached, not yet moved on) it naps the shortest time."""
        ahead_s = (self.wake_at - self.ring.write) / self.rate_hz
        if ahead_s <= 0:
            ahead_s = self.NAP_MIN_S
        if ahead_s >= self.NAP_MIN_S:
            time.sleep(min(ahead_s, self.nap_max_s))

    def _ended(self, proc: subprocess.Popen[bytes]) -> None:
        try:
            proc.wait(1.0)
            said = proc.stderr.read().decode("utf-8", "replace") if proc.stderr is not None else ""
        except (subprocess.TimeoutExpired, OSError, ValueError):
            said = ""
        lines = [ln.strip() for ln in said.splitlines() if ln.strip()]
        if not self.error:
            self.error = lines[-1][:160] if lines else f"parec ended with status {proc.returncode}"
        self.finished = True
        self.arrived.set()

    def now(self) -> float:
        return time.monotonic()

    def held_up(self) -> bool:
        """Whether a silence is this process's or the child's wait for a CPU, not the source's: the pipe holds
        audio not yet read, or the child is waiting on a run queue now or was for a fair share of the time since
        the last look (audio/runqueue.py). Read by the watchdog only once blocks have stopped coming."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return False
        if _pipe_backlog_bytes(proc) > 0:
            return True
        now = runqueue.sample(proc.pid)
        before, self._last_look = self._last_look, now
        if now is None:
            return False
        recent = before if before is not None and now.at_s - before.at_s <= self.LOOK_GAP_S else None
        return runqueue.held_up(recent, now)

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(1.0)
            except subprocess.TimeoutExpired:
                proc.kill()  # stopping never raises: on a starved machine even a killed child may take a while
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(1.0)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(1.0)
        self._thread = None
        for pipe in (proc.stdout, proc.stderr) if proc is not None else ():
            if pipe is not None:
                pipe.close()


class SoundcardInput:
    """A WASAPI loopback on Windows (what plays on a playback device), read through `soundcard` in a reader
    thread that fills a Ring; a loopback delivers nothing while nothing plays (`idles`). Never used on Linux,
    where `soundcard`'s libpulse connection aborts the process after a sound-server restart (see ParecInput).
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
            self.error = short_error(err)
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


def _pipe_backlog_bytes(proc: subprocess.Popen[bytes]) -> int:
    """Bytes waiting in the child's stdout pipe (0 where that cannot be asked)."""
    try:
        import fcntl
        import termios

        count = array.array("i", [0])
        fcntl.ioctl(proc.stdout.fileno() if proc.stdout is not None else -1, termios.FIONREAD, count)
    except (ImportError, OSError, ValueError):
        return 0
    return int(count[0])


def short_error(err: BaseException) -> str:
    """The first line of an error's message, at most 160 characters (for one-line messages)."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return text[:160]
