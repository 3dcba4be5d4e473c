"""The live source: the headset microphone (channel 0) and the call audio (channel 1, when there is one).

Each is its own stream, chosen per stream (no process-wide PULSE_SOURCE). The call audio goes through PortAudio
when it names a PortAudio device, else it is a sound-server source read by a `parec` child (Linux) or a WASAPI
loopback (Windows, `soundcard`). The microphone goes through PortAudio, except on Linux when it is a sound-server
source and the call audio is not PortAudio (audio/server_mic.py): then a `parec` child reads it too, both children
in one process group of this session, and the worker wakes once both readers hold what it waits for. Both run at
the microphone's rate; the worker resamples. Nothing here can abort the process when the sound server restarts.

The chosen microphone is pinned: the server source it first read (the one the user chose, or the default input
when CalmCue started) is the only one it ever reads. When it goes away (a headset unplugged) the server moves the
stream elsewhere; that is a loss, and until the chosen source is back `start` raises DeviceAbsent ("headset
disconnected - waiting for it"), so no other source is analysed. A monitor source (what the speakers play) is
never taken as the microphone.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from calmcue.audio import rtcapture, server_mic
from calmcue.audio.rtcapture import Capture
from calmcue.audio.server_capture import ParecInput, pair, server_input
from calmcue.audio.server_mic import CALL_GONE, HEADSET_GONE, SERVER_GONE
from calmcue.audio.sources import DeviceAbsent, DeviceLost, Source
from calmcue.audio.watchdog import StreamWatchdog
from calmcue.errors import DeviceError

log = logging.getLogger("calmcue.audio")


class DevicePins:
    """The server sources the microphone (`source`) and the call audio (`call`) are pinned to ("" until the first
    open, or when not a server source); shared by the sources one factory makes, so that a reopened source goes
    back to the same devices. The call audio "" (the default playback device's monitor) is pinned too: a sink
    that vanishes and comes back is waited for, not replaced by whatever the server makes the default."""

    def __init__(self) -> None:
        self.source = self.call = ""


@dataclass(frozen=True)
class DeviceSourceFactory:
    """Makes `DeviceSource`s for the worker: call it (no arguments) to get a new, unopened source.

    `mic`/`call` are device names or ids as `calmcue devices` lists them; "" means the system default input
    (mic) and, for the call, the default playback device's monitor (Linux) or loopback (Windows) if there is
    one; "none" means no call audio. The worker uses `with_devices` for `SelectDevices` (a new choice: a new pin).
    """

    mic: str = ""
    call: str = ""
    latency: str = "low"
    capture: Capture = Capture.AUTO
    pin: DevicePins = field(default_factory=DevicePins, compare=False)

    def __call__(self) -> Source:
        return DeviceSource(mic=self.mic, call=self.call, latency=self.latency, capture=self.capture, pin=self.pin)

    def with_devices(self, *, mic: str, call: str) -> DeviceSourceFactory:
        return replace(self, mic=mic, call=call, pin=DevicePins())


class DeviceSource:
    """The live microphone and call audio. `read` raises DeviceLost when a stream ends or its blocks stop
    (audio/watchdog.py), or the sound server moves or drops one of our streams (PulseWatcher)."""

    WATCHDOG_S, HELD_UP_MAX_S = StreamWatchdog.SILENT_S, StreamWatchdog.HELD_UP_MAX_S  # see audio/watchdog.py
    START_TIMEOUT_S = 3.0  # the first block must come within this
    MAX_SKEW_S = 0.1  # the call audio may lag the microphone this much before it is padded with silence
    POLL_S = 0.005  # while waiting for the first blocks
    READ_S = 0.05  # `read` returns once this much audio is in: fewer, larger batches cost less CPU per hop

    def __init__(self, *, mic: str = "", call: str = "", latency: str = "low", read_s: float = READ_S,
                 quiet_read_s: float = 0.0, capture: Capture = Capture.AUTO,
                 pin: DevicePins | None = None) -> None:
        self.mic_spec, self.call_spec, self.latency = mic, call, latency
        self.capture = capture  # how PortAudio devices are captured (audio/rtcapture.py `Capture`)
        self.read_s = read_s
        self.quiet_read_s = max(read_s, quiet_read_s)  # while nothing is heard; the engine's `pace` says how long
        self.quiet = False  # the engine's verdict on the last block read (`pace`)
        self._woken = threading.Event()  # `interrupt`: the read under way returns now
        self.pin = pin if pin is not None else DevicePins()
        self.channels, self.rate_hz = 1, 0
        self.label = ""
        self.note = ""  # why there is no call audio (said once by the worker)
        self._mic: Any = None
        self._call: Any = None
        self._watcher: Any = None
        self._watchdog = StreamWatchdog()
        self._stamp: float | None = None
        self._skew = 0
        self._last_stats = (0, 0)

    # -- opening ------------------------------------------------------------------------------------------------
    def start(self) -> None:
        from calmcue.audio import devices

        server_mic.check_pinned(self.pin)
        devices.refresh_portaudio()
        mic = devices.resolve_mic(self.mic_spec)
        call, self.note = devices.resolve_call(self.pin.call or self.call_spec)
        if call is not None and call.backend == devices.PORTAUDIO and call.id == mic.id:
            raise DeviceError(f"'{mic.name}' was chosen as both the microphone and the call audio; pick a "
                              f"different call-audio source, or --call none")
        try:
            self._open(mic, call)
            self._wait_first_blocks()
            settled = self._settle_mic()
            self._watch()
        except BaseException:
            self.stop()
            raise
        if call is not None and call.backend == devices.SERVER and not call.loopback:
            self.pin.call = call.id
        where = f" (server source {settled})" if settled and settled != mic.name else ""
        self.label = f"{mic.name}{where} + {call.name}" if call is not None else f"{mic.name}{where}"
        if not (_portaudio(self._mic) or _portaudio(self._call)):  # all through the sound server: free PortAudio
            devices.release_portaudio()

    def _settle_mic(self) -> str:
        """Puts the microphone stream on the pinned source (or pins the one it reads); returns its name."""
        from calmcue.audio import pulse

        if isinstance(self._mic, ParecInput):  # it reads the source it was opened on, by name (server_mic.mic_source)
            if self._mic.source_id != self.pin.source:
                self.pin.source = self._mic.source_id
                log.info("microphone pinned to server source '%s'", self.pin.source)
            return str(self.pin.source)
        if not pulse.available():
            return ""
        try:
            source, moved = pulse.settle_mic(pinned=self.pin.source)
        except pulse.NotAMicrophone as err:
            if self.pin.source:
                raise DeviceAbsent(f"{HEADSET_GONE} ({err})") from None
            raise DeviceError(f"no microphone: the default input is a monitor ({err}); plug in the headset or "
                              f"choose a microphone (calmcue devices)") from None
        except ConnectionError:
            raise DeviceAbsent(SERVER_GONE) from None
        if source and source != self.pin.source:
            self.pin.source = source
            log.info("microphone pinned to server source '%s'", source)
        if moved:  # what came before the move is from another source: drop it (both channels alike)
            frames = self._mic.ring.available()
            self._mic.ring.skip(frames)
            if self._call is not None:
                self._call.ring.skip(frames)
        return source

    def _watch(self) -> None:
        import os

        from calmcue.audio import pulse

        pids = {os.getpid()}
        pids.update(s.pid for s in (self._mic, self._call) if isinstance(s, ParecInput))
        self._watcher = pulse.PulseWatcher()
        self._watcher.start(pids=pids, mic_source=str(self.pin.source or ""))

    def mic_gain_db(self) -> float:
        """The microphone source's volume as the sound server last reported it, in dB (NaN: not known)."""
        watcher = self._watcher
        return math.nan if watcher is None else float(watcher.mic_volume_db)

    def _open(self, mic: Any, call: Any) -> None:
        from calmcue.audio import devices
        from calmcue.audio.capture import suggested_latency

        self.rate_hz = mic.rate_hz
        self.channels = 1
        paired = call is not None and call.backend == devices.PORTAUDIO  # two PortAudio streams start aligned
        reader = None if paired else server_mic.open_reader(mic, pinned=self.pin.source, capture=self.capture)
        if reader is not None:  # both through parec: one process group, one wake-up per read
            self._mic, self.rate_hz = reader, reader.rate_hz
            if call is not None:
                self._call = server_input(call, self.rate_hz, group=reader.pid)
                self._call.start()
                if isinstance(self._call, ParecInput):
                    pair(reader, self._call)
                self.channels, self._skew = 2, round(self.MAX_SKEW_S * self.rate_hz)
            return
        kind = rtcapture.resolve(self.capture)
        stream_class = rtcapture.input_class(kind)
        log.info("capture of PortAudio devices: %s", "rtmixer (C callback into a lock-free ring)"
                 if kind is Capture.RTMIXER else "sounddevice (Python callback)")
        self._mic = stream_class(device=int(mic.id), name=mic.name, rate_hz=self.rate_hz,
                                latency=suggested_latency(self.latency, hostapi=mic.description))
        self._mic.open()
        if paired:
            # both PortAudio streams are created first and started back to back: sample k of one and sample k
            # of the other were then captured at the same moment (measured through PulseAudio: the same index)
            self._call = stream_class(device=int(call.id), name=call.name, rate_hz=self.rate_hz,
                                      latency=suggested_latency(self.latency, hostapi=call.description))
            self._call.open()
            self._mic.start()
            self._call.start()
        else:
            self._mic.start()
            if call is not None:
                self._call = server_input(call, self.rate_hz)
                self._call.start()
        if self._call is not None:
            self.channels = 2
            self._skew = round(self.MAX_SKEW_S * self.rate_hz)

    def _wait_first_blocks(self) -> None:
        """Waits for the first blocks. Two PortAudio streams started together are aligned by sample index;
        otherwise what came before is dropped, so that both channels start (about) together."""
        streams = [s for s in (self._mic, self._call) if s is not None and not s.idles]
        deadline = time.monotonic() + self.START_TIMEOUT_S
        while any(s.ring.callbacks == 0 for s in streams):
            ended = next((s for s in streams if s.finished), None)
            if ended is not None:
                raise DeviceError(f"cannot open '{ended.name}' ({ended.error or 'it ended'}); "
                                  f"check the device, or pick another (calmcue devices)")
            if time.monotonic() > deadline:
                late = next(s for s in streams if s.ring.callbacks == 0)
                raise DeviceError(f"'{late.name}' opened but sent no audio within {self.START_TIMEOUT_S:g} s; "
                                  f"check the device or the sound server")
            time.sleep(self.POLL_S)
        now = time.monotonic()
        aligned = self._call is None or _portaudio(self._call)
        for s in (self._mic, self._call):
            if s is not None:
                if not aligned:
                    s.ring.skip(s.ring.available())
                self._watchdog.started(s, now=now)

    # -- reading ------------------------------------------------------------------------------------------------
    def read(self, timeout_s: float) -> np.ndarray | None:
        if self._mic is None:
            raise DeviceLost("the audio is not open")
        deadline = time.monotonic() + timeout_s
        want = self._want()
        while True:
            self._check()
            frames = self._ready_frames()
            if frames >= want:
                return self._take(frames)
            now = time.monotonic()
            if now >= deadline or self._woken.is_set():
                self._woken.clear()
                return self._take(frames) if frames else None
            self._wait(want=want, left_s=deadline - now)

    def pace(self, *, quiet: bool, quiet_read_s: float | None = None) -> None:
        """The engine's verdict on the block it just analysed: nothing heard on any channel (`quiet`) or not, and
        how long a read may then wait (`quiet_read_s`; None: as before). Only how long the next read waits depends
        on it (`quiet_read_s`, else `read_s`); every sample is still returned, and the first block with sound
        brings the short reads back."""
        self.quiet = quiet
        if quiet_read_s is not None:
            self.quiet_read_s = max(self.read_s, quiet_read_s)

    def interrupt(self) -> None:
        """Ends the wait of the read under way (or the next) at once, with what has come: the worker has a command
        to obey. Any thread: it only sets Events."""
        self._woken.set()
        for s in (self._mic, self._call):
            arrived = getattr(s, "arrived", None)
            if arrived is not None:
                arrived.set()

    def _want(self) -> int:
        """Frames one `read` waits for: `read_s` of audio, `quiet_read_s` while the engine hears nothing."""
        read_s = self.quiet_read_s if self.quiet else self.read_s
        return max(self._mic.block_frames, round(read_s * self.rate_hz))

    def _wait(self, *, want: int, left_s: float) -> None:
        """Sleeps until about `want` frames can be read (at most `left_s`). When the call audio is what is missing
        and its reader can say so (ParecInput.arrived), the worker sleeps until it does: one wake-up per read,
        not a poll; otherwise (the microphone is behind: it comes in small blocks) until the missing audio is due and
        one block more."""
        if isinstance(self._mic, ParecInput):
            self._wait_readers(want=want, left_s=left_s)
            return
        mic, call = self._mic.ring, self._call.ring if self._call is not None else None
        arrived = getattr(self._call, "arrived", None)
        if call is not None and arrived is not None:
            self._call.wake_at = call.read + want  # the reader lets the pipe fill until then
            if call.available() < min(want, mic.available()):
                arrived.clear()
                if self._woken.is_set():  # interrupted just before the clear
                    return
                if call.write < self._call.wake_at and not self._call.finished:  # not pushed since: sleep on it
                    arrived.wait(left_s)
                    return
        missing = want - min(mic.available(), call.available() if call is not None else mic.available())
        # one microphone block more than is missing: the blocks come a little after their audio is due, and
        # waking just before one (then again, and again) was most of the worker's wake-ups
        self._woken.wait(min(left_s, (max(0, missing) + self._mic.block_frames) / self.rate_hz))

    def _wait_readers(self, *, want: int, left_s: float) -> None:
        """Every stream is a parec reader (the microphone's, and the call audio's when there is one, paired): each
        is told how far to fill (`wake_at`) and naps until then; the worker sleeps on their one Event, which the
        reader that completes the read sets (ParecInput.due). Checked again after the clear: both may have come
        in between."""
        streams = [s for s in (self._mic, self._call) if s is not None]
        for s in streams:
            s.wake_at = s.ring.read + want
        arrived = self._mic.arrived
        arrived.clear()
        if self._woken.is_set():  # interrupted just before the clear
            return
        if not self._mic.due():
            arrived.wait(left_s)

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
        got = 0
        if self._call is None:
            out = self._mic.ring.pop(frames)
        else:  # both channels straight into the block handed on: no copies in between
            out = np.empty((frames, 2), np.float32)
            self._mic.ring.pop(frames, into=out[:, :1])
            got = self._call.ring.pop(frames, into=out[:, 1:]).shape[0]
            out[got:, 1] = 0.0  # a loopback that sends nothing while nothing plays: silence
        # the block waited for both streams: with two parec readers (one clock) the earlier one's sample is the older
        both = got == frames and self._call is not None and getattr(self._mic, "partner", None) is self._call
        stamps = [s.ring.stamp_of(s.ring.read) for s in ((self._mic, self._call) if both else (self._mic,))]
        self._stamp = None if None in stamps else min(stamps)
        for s in (self._mic, self._call):
            if isinstance(s, ParecInput):  # the reader may nap until the next read's audio is due
                s.wake_at = s.ring.read + self._want()
        return out

    def _check(self) -> None:
        now = time.monotonic()
        if self._watcher is not None and self._watcher.problem:
            gone = self._watcher.gone_source
            if gone and (gone == self.pin.source or self._call is not None):  # the mic's source, else the call's
                words = HEADSET_GONE if gone == self.pin.source else CALL_GONE
                raise DeviceLost(f"{words} ('{gone}')", silent_s=self._silent_s(now), waiting=True)
            raise DeviceLost(self._watcher.problem, silent_s=self._silent_s(now))
        for s, what in ((self._mic, "microphone"), (self._call, "call audio")):
            if s is None:
                continue
            if s.finished:
                why = s.error
                raise DeviceLost(f"the {what} '{s.name}' stopped ({why or 'unplugged, or the sound server stopped'})",
                                 silent_s=self._silent_s(now))
            self._watchdog.check(s, what, now=now)

    @property
    def held_ups(self) -> int:
        """How often a silent stream was waited for as held up by a busy machine (audio/watchdog.py)."""
        return self._watchdog.held_ups

    def _silent_s(self, now: float) -> float:
        return self._watchdog.silent_s(self._mic, now=now)

    def age_s(self) -> float | None:
        """Seconds since the newest sample of the last block read was delivered (see `_take`)."""
        if self._stamp is None or self._mic is None:
            return None
        return float(self._mic.now() - self._stamp)

    # -- closing ------------------------------------------------------------------------------------------------
    def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        streams, self._mic, self._call = (self._call, self._mic), None, None
        for s in streams:
            try:
                if s is not None:  # a PortAudio stream counts as open until it is closed (capture.py `stop`)
                    s.stop()
            except Exception as err:  # one stream failing to stop must not leave the other open
                log.warning("stopping the %s failed: %s", "call audio" if s is streams[0] else "microphone", err)

    @property
    def stats(self) -> tuple[int, int]:
        streams = [s for s in (self._mic, self._call) if s is not None]
        if streams:
            self._last_stats = (sum(s.overflows for s in streams), sum(s.ring.dropped_blocks for s in streams))
        return self._last_stats


def _portaudio(stream: Any) -> bool:
    """Whether a capture is a PortAudio stream (either kind: audio/rtcapture.py `Capture`)."""
    from calmcue.audio.capture import PortAudioStreamInput

    return isinstance(stream, PortAudioStreamInput)
