"""The sound server (PulseAudio, or PipeWire's pulse server) through its own API (pulsectl): short requests on a
fresh connection each, and a watcher on its own connection. A server that goes away only ends a connection here:
pulsectl raises, nothing aborts.

- `source_infos()`: the sources there are now, with the desktop's descriptions, which playback device each monitor
  plays, and which are the defaults (one request: device lists, device choice and the menus' labels all read it).
- `settle_mic(...)`: after the streams are open, finds which server source the microphone stream landed on, puts
  it back on the chosen one if the server put it elsewhere, and refuses a monitor source as a microphone.
- `PulseWatcher`: notices when one of our capture streams (ours, or a `parec` child's) is moved to another
  source, loses its source, or the server goes away. PulseAudio silently moves a capture stream to its new
  default source when its source vanishes, feeding whatever that source hears with no status flag. It also reads
  the microphone source's volume whenever the server says a source changed: the agent's gain slider, a headset's
  gain knob (its mixer control), or a softphone's automatic gain control moving the system's mic volume - a
  change the detector is then told of exactly (`mic_volume_db`), instead of finding it from the voice.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("calmcue.pulse")


def available() -> bool:
    """True on Linux with pulsectl installed (whether a server answers is another question)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import pulsectl  # noqa: F401
    except ImportError:
        return False
    return True


@contextmanager
def connection(name: str = "calmcue") -> Iterator[Any]:
    """A pulsectl client for one short exchange; raises ConnectionError when no server answers."""
    import pulsectl

    try:
        pulse = pulsectl.Pulse(name, connect=True)
    except Exception as err:
        raise ConnectionError(f"the sound server does not answer ({type(err).__name__})") from None
    try:
        yield pulse
    finally:
        pulse.close()


@dataclass(frozen=True)
class SourceInfo:
    """A server source as the desktop names it."""

    name: str
    description: str  # what the desktop's sound settings show, e.g. "Jabra Evolve2 65 Mono"
    monitor: bool  # what a playback device plays
    master: str  # the source a filter (remap, echo cancel) reads; "" for none
    default: bool  # the server's default input
    rate_hz: int = 0  # the source's own sample rate (0: not known)
    sink: str = ""  # for a monitor: the playback device it plays ("" otherwise)
    default_output: bool = False  # a monitor of the server's default playback device (the call audio by default)


def source_infos() -> dict[str, SourceInfo] | None:
    """Every source by name; None when no server answers."""
    try:
        with connection("calmcue-sources") as pulse:
            server = pulse.server_info()
            return {s.name: _source_info(s, default_source=server.default_source_name,
                                         default_sink=server.default_sink_name) for s in pulse.source_list()}
    except Exception:
        return None


def _source_info(source: Any, *, default_source: str, default_sink: str) -> SourceInfo:
    sink = str(getattr(source, "monitor_of_sink_name", None) or "")
    return SourceInfo(name=source.name, description=str(source.description or source.name), monitor=bool(sink),
                      master=str(source.proplist.get("device.master_device", "")),
                      default=source.name == default_source, rate_hz=int(source.sample_spec.rate), sink=sink,
                      default_output=bool(sink) and sink == default_sink)


@dataclass(frozen=True)
class Stream:
    """One capture stream on the server (a source output)."""

    index: int
    pid: int
    source: str


def streams_of(pulse: Any, pids: set[int]) -> list[Stream]:
    """The capture streams of these processes, oldest first (the server numbers them in creation order)."""
    names = {s.index: s.name for s in pulse.source_list()}
    out = []
    for o in pulse.source_output_list():
        pid = o.proplist.get("application.process.id", "")
        if pid.isdigit() and int(pid) in pids:
            out.append(Stream(index=o.index, pid=int(pid), source=names.get(o.source, str(o.source))))
    return sorted(out, key=lambda s: s.index)


class NotAMicrophone(Exception):
    """The microphone stream landed on a monitor source (what the speakers play), not a microphone."""


def settle_mic(*, pinned: str) -> tuple[str, bool]:
    """Finds the server source our microphone stream (this process's oldest capture stream) reads. If `pinned`
    names another source, moves the stream there (the chosen device); a monitor source is never accepted.
    Returns the source the stream reads now ("" when the microphone is not a server stream: a bare ALSA or
    WASAPI device) and whether it was moved. Raises NotAMicrophone, or ConnectionError when no server answers."""
    with connection("calmcue-settle") as pulse:
        mine = streams_of(pulse, {os.getpid()})
        if not mine:
            return "", False
        mic = mine[0]
        monitors = {s.name for s in pulse.source_list() if getattr(s, "monitor_of_sink_name", None)}
        if pinned and mic.source != pinned:
            target = next((s for s in pulse.source_list() if s.name == pinned), None)
            if target is None:
                raise NotAMicrophone(f"'{pinned}' is gone")
            pulse.source_output_move(mic.index, target.index)
            log.info("the server put the microphone on '%s'; moved it back to '%s'", mic.source, pinned)
            return pinned, True
        if mic.source in monitors:
            raise NotAMicrophone(f"'{mic.source}' is what a playback device plays, not a microphone")
        return mic.source, False


class PulseWatcher:
    """Notices when the capture streams of `pids` are moved to another source, lose their source, or the server
    goes away. `problem` turns from "" to one line saying what happened (read it from any thread). The watching
    thread sleeps until the server sends an event (or LISTEN_S passes): it does not poll."""

    LISTEN_S = 5.0  # the longest one wait for events lasts (stop interrupts it)
    MIN_VOLUME = 1e-4  # under this (about -240 dB) a source's volume reads as silence, not as a number of dB
    STOP_S = 1.0  # the longest `stop` waits for the thread to end

    def __init__(self) -> None:
        self.problem = ""
        self.gone_source = ""  # with `problem`: the source that vanished from under one of our streams, if one did
        self.watching = 0  # streams of ours found on the server
        self.mic_volume_db = math.nan  # the microphone source's volume (NaN: not known, or no source named)
        self._running = False
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._pulse: Any = None  # the watching connection, for `stop` to interrupt its wait ...
        self._pulse_lock = threading.Lock()  # ... never once it is closing
        self._mic_source = ""

    def start(self, *, pids: set[int], expected_streams: int = 0, mic_source: str = "") -> bool:
        """Snapshots the streams and starts watching (and the volume of `mic_source`, when named); False where there
        is no such server (nothing to watch)."""
        if not available():
            return False
        self._running = True
        self._mic_source = mic_source
        self._thread = threading.Thread(target=self._watch, args=(pids, expected_streams),
                                        name="calmcue-pulse-watch", daemon=True)
        self._thread.start()
        self._ready.wait(3.0)
        return self.watching > 0

    def stop(self) -> None:
        """Ends the watch: interrupts the wait for events (pulsectl's event_listen_stop wakes the libpulse loop from
        any thread, but does nothing before the loop waits: so again until the thread ends, at most STOP_S)."""
        self._running = False
        thread, self._thread = self._thread, None
        if thread is None or thread is threading.current_thread():
            return
        deadline = time.monotonic() + self.STOP_S
        while thread.is_alive() and time.monotonic() < deadline:
            with self._pulse_lock:
                if self._pulse is not None:
                    self._pulse.event_listen_stop()
            thread.join(0.02)

    def _watch(self, pids: set[int], expected: int) -> None:
        import pulsectl

        try:
            with pulsectl.Pulse("calmcue-watch") as pulse:
                self._pulse = pulse
                try:
                    self._listen(pulse, pids, expected)
                finally:
                    with self._pulse_lock:
                        self._pulse = None
        except Exception as err:  # the connection dropped: the server went away (or restarted)
            if self._running:
                self.problem = f"the sound server went away ({type(err).__name__})"
        finally:
            self._ready.set()

    def _listen(self, pulse: Any, pids: set[int], expected: int) -> None:
        import pulsectl

        snapshot = self._snapshot(pulse, pids, expected)
        self.watching = len(snapshot)
        self._read_mic_volume(pulse)
        self._ready.set()
        if not snapshot:
            return
        pulse.event_mask_set("source_output", "source", "server")
        changed = [False]

        def on_event(_event: Any) -> None:
            changed[0] = True
            raise pulsectl.PulseLoopStop

        pulse.event_callback_set(on_event)
        while self._running and not self.problem:
            pulse.event_listen(timeout=self.LISTEN_S)
            if changed[0]:
                changed[0] = False
                self.problem = self._compare(pulse, pids, snapshot)
                self._read_mic_volume(pulse)

    def _read_mic_volume(self, pulse: Any) -> None:
        """The microphone source's volume now, in dB (PulseAudio's cubic volume scale: pa_sw_volume_to_dB); left
        as it was while the source is muted (the detector reads a muted mic's zeros as such) or not found."""
        if not self._mic_source:
            return
        try:
            source = pulse.get_source_by_name(self._mic_source)
            volume, muted = float(source.volume.value_flat), bool(source.mute)
        except Exception:  # gone (the comparison says so) or the server went away (the connection's loop says so):
            return  # a volume not read is no reason to reopen the audio
        if not muted and volume >= self.MIN_VOLUME:
            self.mic_volume_db = volume_db(volume)

    def _snapshot(self, pulse: Any, pids: set[int], expected: int) -> dict[int, str]:
        deadline = time.monotonic() + 2.0
        ours = streams_of(pulse, pids)
        while len(ours) < expected and time.monotonic() < deadline and self._running:
            time.sleep(0.05)  # the server lists a new stream a moment after it delivers; no event to wait on yet
            ours = streams_of(pulse, pids)
        return {s.index: s.source for s in ours}

    def _compare(self, pulse: Any, pids: set[int], snapshot: dict[int, str]) -> str:
        now = {s.index: s.source for s in streams_of(pulse, pids)}
        names = {s.name for s in pulse.source_list()}
        for index, source in snapshot.items():
            if index not in now:
                if source not in names:
                    self.gone_source = source
                return f"the sound server closed the capture from '{source}'"
            if now[index] != source:
                if source not in names:
                    self.gone_source = source
                    return f"'{source}' is gone; the sound server moved the capture to '{now[index]}'"
                return f"the sound server moved the capture from '{source}' to '{now[index]}'"
        return ""


def volume_db(volume: float) -> float:
    """A PulseAudio volume (1.0 = 100 %, the "normal" volume) in dB of gain: the server's software volume is the
    cube of it (pa_sw_volume_to_linear), so 50 % is about -18 dB."""
    return 60.0 * math.log10(volume)
