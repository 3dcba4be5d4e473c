"""Readers of sound-server sources, each a thread copying whole samples into a Ring and counting: on Linux a
source read by name from a `parec` child process (`ParecInput`: the call audio, e.g. `speaker_sink.monitor`, and
the microphone when it is a server source, audio/server_mic.py), on Windows a WASAPI loopback through `soundcard`
(`SoundcardInput`). Split from audio/capture.py (the PortAudio streams).

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
import sys
import threading
import time
from typing import Any

import numpy as np

from calmcue.audio import runqueue
from calmcue.audio.capture import RING_S, short_error
from calmcue.audio.ring import Ring
from calmcue.errors import DeviceError

log = logging.getLogger("calmcue.audio")


class ParecInput:
    """A sound-server source (PulseAudio, or PipeWire's pulse server) read by name from a `parec` child process.

    The child writes raw float32 mono at `rate_hz` to a pipe; a reader thread copies whole samples into the Ring
    and, once the ring's write index reaches `wake_at` (set by the consumer before it waits), sets `arrived`: the
    worker sleeps on that instead of polling (the reader is an ordinary thread, not a real-time callback, so it
    may take the Event's lock). When the child ends (the source or the server went away, or it was killed) the
    stream is `finished` (and `arrived` set) and `error` holds the child's last words; nothing the child does can
    take this process down. The server sees the stream under the child's process id (`pid`), which is how
    PulseWatcher tells the streams apart. When the microphone and the call audio are both read so, `pair` gives
    them one Event, set once both hold what the worker waits for, and the second child joins the first one's
    process group (`process_group`).
    """

    idles = False  # a monitor source with a reader keeps its sink running: blocks come all the time
    LATENCY_MS = 20  # what parec asks the server for (see benchmarks/call_capture_cpu.py for the cost of each)
    NAP_MIN_S = 0.008  # the reader lets the pipe fill when what the worker waits for is due later than this ...
    NAP_MAX_S = 0.6  # ... for at most this long (the server sends a packet every ~5 ms: 200 reads a second; the
    # engine's longest quiet read is 0.6 s), and never past half of what the pipe holds, so that parec is never
    # held up writing
    PIPE_BYTES = 65536  # a Linux pipe's default capacity (340 ms at 48 kHz) ...
    WIDE_PIPE_BYTES = 262144  # ... and what `start` asks for (1.4 s at 48 kHz; the unprivileged limit is 1 MiB)
    LOOK_GAP_S = 2.0  # `held_up` compares with its last look only if it was this recent

    def __init__(self, *, source_id: str, name: str, rate_hz: int, latency_ms: int = LATENCY_MS,
                 ring_s: float = RING_S, role: str = "call audio", process_group: int = 0) -> None:
        self.source_id, self.name, self.rate_hz = source_id, name, int(rate_hz)
        self.role = role  # "call audio" or "microphone": the server's name for the stream, and the messages'
        self.process_group = process_group  # 0: a new group led by this child; else a sibling's group to join
        self.partner: ParecInput | None = None  # the other stream's reader when both are parec (`pair`)
        self.latency_ms = int(latency_ms)
        self.block_frames = max(1, round(self.latency_ms / 1000 * self.rate_hz))
        self.ring = Ring(capacity_frames=round(ring_s * self.rate_hz), channels=1)
        self.overflows = 0
        self.finished = False
        self.error = ""
        self.pid = 0
        self.arrived = threading.Event()  # set once `ring.write >= wake_at`, and when the child ends
        self.wake_at = 0
        self._stopping = threading.Event()  # `stop`: the reader's nap ends now and it reads no more
        self.pipe_bytes = self.PIPE_BYTES  # what one read takes at most: the pipe's capacity (set by `start`)
        self.nap_max_s = self._nap_max_s()
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self._last_look: runqueue.RunQueueSample | None = None

    def command(self) -> list[str]:
        exe = shutil.which("parec")
        if exe is None:
            raise DeviceError(f"cannot read the {self.role} '{self.name}': the program 'parec' is missing; install "
                              f"it (Debian/Ubuntu: apt-get install pulseaudio-utils){self._or_else()}")
        device = [f"--device={self.source_id}"] if self.source_id else []  # none: the server's default input
        return [exe, "--raw", "--format=float32le", f"--rate={self.rate_hz}", "--channels=1",
                f"--latency-msec={self.latency_ms}", *device, "--client-name=CalmCue",
                f"--stream-name=CalmCue {self.role}"]

    def _or_else(self) -> str:
        return " or use --call none" if self.role == "call audio" else ""

    def start(self) -> None:
        command = self.command()
        try:
            self._proc = self._spawn(command)
        except OSError as err:
            raise DeviceError(f"cannot start 'parec' for '{self.name}' ({err.strerror}); check that "
                              f"pulseaudio-utils is installed{self._or_else().replace(' or', ', or')}") from None
        self.pid = self._proc.pid
        assert self._proc.stdout is not None
        self.pipe_bytes = _widen_pipe(self._proc.stdout.fileno(), self.WIDE_PIPE_BYTES) or self.PIPE_BYTES
        self.nap_max_s = self._nap_max_s()
        thread_name = "calmcue-parec-mic" if self.role == "microphone" else "calmcue-parec"
        self._thread = threading.Thread(target=self._read_loop, name=thread_name, daemon=True)
        self._thread.start()

    def _spawn(self, command: list[str]) -> subprocess.Popen[bytes]:
        """The child, in a process group of its own (or its sibling's) inside this process's session: Ctrl-C in a
        terminal signals the foreground group only, and a parec that died of it first read as the sound server
        closing the stream (CalmCue stops it itself). Not a session of its own: the kernel's autogroup scheduler
        gives each session its own share of a busy CPU, and two children in two sessions starved apart
        (benchmarks/RELIABILITY.md, "The microphone through parec")."""
        def popen(group: int) -> subprocess.Popen[bytes]:
            return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, bufsize=0, process_group=group)

        if self.process_group:
            try:
                return popen(self.process_group)
            except (OSError, subprocess.SubprocessError):  # the sibling's group is gone: one of its own then
                log.info("parec for '%s' could not join process group %d", self.name, self.process_group)
        return popen(0)

    def _read_loop(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        fd = proc.stdout.fileno()
        rest = b""
        try:
            while not self._stopping.is_set():
                chunk = os.read(fd, self.pipe_bytes)
                if not chunk:
                    break
                data = rest + chunk if rest else chunk
                whole = len(data) - len(data) % 4
                rest = data[whole:]
                if whole:
                    self.ring.push(np.frombuffer(data[:whole], "<f4").reshape(-1, 1), time.monotonic())
                    if self.due():
                        self.arrived.set()
                nap_s = self._nap_s()
                if nap_s:
                    self._stopping.wait(nap_s)
        except OSError as err:
            self.error = short_error(err)
        finally:
            self._ended(proc)
            _close_pipes(proc)  # here, not in `stop`: a descriptor closed under a reader can be reused by the
            # next stream's pipe, which this reader would then go on reading (seen: a stopped microphone reader
            # took most of the next one's audio)

    def due(self) -> bool:
        """Whether the worker can read what it waits for: this ring reached `wake_at` and, when paired, the
        partner's too (or the partner ended). Each reader publishes its own write index before it asks, so of two
        readers pushing at once at least one sees both in: the worker wakes once per read, not once per stream."""
        mine = self.ring.write >= self.wake_at
        other = self.partner
        return mine and (other is None or other.finished or other.ring.write >= other.wake_at)

    def _nap_max_s(self) -> float:
        return min(self.NAP_MAX_S, self.pipe_bytes / 2 / 4 / self.rate_hz)  # 4 bytes a sample

    def _nap_s(self) -> float:
        """How long the reader sleeps before its next read (0: none): while the audio the worker waits for
        (`wake_at`) is still well ahead, so that the packets pile up in the pipe and one read takes them all,
        instead of waking for each. Once its part is in (`wake_at` reached, the worker not yet moved on) it naps the
        shortest time, or, when paired, as long as the partner's part is still due later: the worker reads neither
        before both are in (`due`). `stop` ends a nap at once."""
        ahead_s = (self.wake_at - self.ring.write) / self.rate_hz
        if ahead_s <= 0:
            other = self.partner
            behind_s = 0.0 if other is None or other.finished else (other.wake_at - other.ring.write) / other.rate_hz
            ahead_s = max(self.NAP_MIN_S, behind_s)
        return min(ahead_s, self.nap_max_s) if ahead_s >= self.NAP_MIN_S else 0.0

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
        """Ends the child and the reader. The reader closes the pipes once it has ended; they are closed here
        only if it never started."""
        self.partner = None
        self._stopping.set()
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(1.0)
            except subprocess.TimeoutExpired:
                proc.kill()  # stopping never raises: on a starved machine even a killed child may take a while
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(1.0)
        thread, self._thread = self._thread, None
        if thread is None:
            if proc is not None:
                _close_pipes(proc)
        elif thread is not threading.current_thread():
            thread.join(1.0)


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


def pair(mic: ParecInput, call: ParecInput) -> None:
    """Two parec readers that wake the worker together: one `arrived` Event, set by whichever reader completes
    the read the worker waits for (ParecInput.due), so the worker neither wakes on the first stream and then waits
    again for the second, nor reads one while the other's audio still lies in its pipe."""
    call.arrived = mic.arrived
    mic.partner, call.partner = call, mic


def server_input(call: Any, rate_hz: int, *, group: int = 0) -> ParecInput | SoundcardInput:
    """The reader for a call-audio source PortAudio cannot open: parec on Linux (its child in process group
    `group`, the microphone's parec's, or a new one), a soundcard loopback on Windows."""
    if sys.platform == "win32" or call.loopback:
        return SoundcardInput(source_id=call.id, name=call.name, rate_hz=rate_hz, loopback=call.loopback)
    return ParecInput(source_id=call.id, name=call.name, rate_hz=rate_hz, process_group=group)


def _close_pipes(proc: subprocess.Popen[bytes]) -> None:
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def _widen_pipe(fd: int, size_bytes: int) -> int:
    """Asks for a pipe of `size_bytes` (Linux: F_SETPIPE_SZ); its capacity now, or 0 where that cannot be done."""
    try:
        import fcntl

        return int(fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, size_bytes))
    except (ImportError, AttributeError, OSError):
        return 0


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
