"""Finding audio devices: microphones (PortAudio) and call-audio sources, and watching the sound server.

- Microphones are PortAudio input devices (sounddevice). An id is the PortAudio index; a device is remembered by
  its name, since indices change when devices come and go.
- Call audio (what the customer says) is the playback device's monitor source on Linux (PulseAudio or
  PipeWire, read by name by a `parec` child process, so nothing process-wide such as PULSE_SOURCE is touched)
  or its WASAPI loopback on Windows (`soundcard`: the PortAudio inside sounddevice's wheels has no loopback).
  Any microphone id also works as call audio (e.g. an ALSA PCM that names a PulseAudio source).
- Watching the sound server (moved streams, a server restart) is audio/pulse.py.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calmcue.errors import DeviceError

log = logging.getLogger("calmcue.devices")

MIC, CALL = "mic", "call"
PORTAUDIO, SERVER = "portaudio", "server"  # how a device is opened: sounddevice, or parec / soundcard loopback
NONE = "none"  # --call none: no call audio
SERVER_PLUGINS = ("pulse", "default", "pipewire", "sysdefault")  # ALSA PCMs that are the sound server itself

_open_streams = 0  # PortAudio streams open in this process (PortAudio is re-initialised only when none are)
# PortAudio must not be re-initialised while another thread lists devices or opens a stream (the tray's settings
# dialog may list devices while the worker reopens its audio): every PortAudio call here holds this lock.
portaudio_lock = threading.RLock()


@dataclass(frozen=True)
class AudioDevice:
    """A device as `calmcue devices` lists it; `id` is what --mic/--call accept (a name works too)."""

    id: str
    name: str
    kind: str  # MIC or CALL
    backend: str  # PORTAUDIO or SERVER
    rate_hz: int
    default: bool = False
    description: str = ""
    loopback: bool = False  # Windows loopback: no data while nothing plays


# --- PortAudio -------------------------------------------------------------------------------------------------


def portaudio() -> Any:
    """sounddevice, with PortAudio initialised (again, after `release_portaudio`). Call it holding
    portaudio_lock, as every PortAudio call here does, so that no release comes in between."""
    try:
        import sounddevice
    except (ImportError, OSError) as err:
        raise DeviceError(f"no audio library ({err}); install PortAudio (Debian: apt-get install libportaudio2) "
                          f"and sounddevice (pip install sounddevice)") from None
    with portaudio_lock:
        if getattr(sounddevice, "_initialized", 1) == 0:
            try:
                sounddevice._initialize()
            except Exception as err:
                raise DeviceError(f"the audio system does not answer ({err}); check the sound server") from None
    return sounddevice


def refresh_portaudio() -> None:
    """Re-reads PortAudio's device list (it is cached at start); only when no PortAudio stream is open."""
    with portaudio_lock:
        loaded = sys.modules.get("sounddevice")
        scanned_now = loaded is None or getattr(loaded, "_initialized", 1) == 0  # a (re)initialisation scans
        sd = portaudio()
        if scanned_now or _open_streams:
            return
        try:
            sd._terminate()
            sd._initialize()
        except Exception as err:
            log.warning("could not refresh the PortAudio device list: %s", err)


def release_portaudio() -> None:
    """Terminates PortAudio while no PortAudio stream is open (the audio is read through the sound server): its
    device scan loads every ALSA plugin the system configures (a52, jack, speex, ...) and the codec libraries
    behind them, about 11 MB of the tray's memory that only listing or opening a PortAudio device needs;
    `portaudio()` initialises it again then (benchmarks/results/profiles/tray_memory.md)."""
    sd = sys.modules.get("sounddevice")
    if sd is None:
        return
    with portaudio_lock:
        if _open_streams:
            return
        try:
            while getattr(sd, "_initialized", 0) > 0:
                sd._terminate()
        except Exception as err:
            log.warning("could not release PortAudio: %s", err)


def stream_opened() -> None:
    global _open_streams
    with portaudio_lock:
        _open_streams += 1


def stream_closed() -> None:
    global _open_streams
    with portaudio_lock:
        _open_streams = max(0, _open_streams - 1)


def list_microphones() -> list[AudioDevice]:
    """PortAudio input devices; the system default input is marked."""
    with portaudio_lock:
        sd = portaudio()
        try:
            devices = sd.query_devices()
            default_in = sd.default.device[0]
        except sd.PortAudioError as err:
            raise DeviceError(f"the audio system does not answer ({err}); check the sound server") from None
        hostapis = {d["index"]: _hostapi(sd, d) for d in devices if d["max_input_channels"] > 0}
    server = _server_source_rates()
    pcms = alsa_pulse_pcms() if server else {}
    return [AudioDevice(id=str(d["index"]), name=d["name"], kind=MIC, backend=PORTAUDIO,
                        rate_hz=_native_rate(d["name"], int(d["default_samplerate"]), server, pcms),
                        default=d["index"] == default_in, description=hostapis[d["index"]])
            for d in devices if d["index"] in hostapis]


def _hostapi(sd: Any, d: dict[str, Any]) -> str:
    try:
        return str(sd.query_hostapis(d["hostapi"])["name"])
    except Exception:
        return ""


def _native_rate(name: str, portaudio_rate: int, server: dict[str, int], pcms: dict[str, str]) -> int:
    """The device's own rate: a sound-server PCM (the server itself, or an ALSA PCM of type pulse naming one of its
    sources) runs at its server source's rate, not PortAudio's guess (the server would resample to that)."""
    name = pcms.get(name, name)
    if name in server:
        return server[name]
    if name in SERVER_PLUGINS and "@default" in server:
        return server["@default"]
    return portaudio_rate


# --- the sound server (PulseAudio / PipeWire) and Windows loopback ----------------------------------------------


def _server_source_rates() -> dict[str, int]:
    """Each server source's rate by name, and the default source's as "@default" (empty without a server)."""
    if not sys.platform.startswith("linux"):
        return {}
    from calmcue.audio import pulse

    infos = pulse.source_infos() or {}
    rates = {name: info.rate_hz for name, info in infos.items()}
    default = next((info for info in infos.values() if info.default), None)
    if default is not None:
        rates["@default"] = default.rate_hz
    return rates


def list_call_sources() -> list[AudioDevice]:
    """Monitor sources of playback devices (Linux) or loopbacks of them (Windows); the default is marked."""
    if sys.platform.startswith("linux"):
        return _pulse_monitors()
    if sys.platform == "win32":
        return _loopbacks()
    return []


def _pulse_monitors() -> list[AudioDevice]:
    from calmcue.audio import pulse

    infos = pulse.source_infos()
    if infos is None:
        log.warning("cannot list the sound server's sources: it does not answer")
        return []
    return [AudioDevice(id=i.name, name=i.name, kind=CALL, backend=SERVER, rate_hz=i.rate_hz,
                        default=i.default_output, description=f"what plays on {i.sink} ({i.description})")
            for i in infos.values() if i.monitor]


def _loopbacks() -> list[AudioDevice]:
    try:
        import soundcard

        default = soundcard.default_speaker().name
        return [AudioDevice(id=str(m.id), name=m.name, kind=CALL, backend=SERVER, rate_hz=48000,
                            default=m.name == default, description="loopback (what plays on it)", loopback=True)
                for m in soundcard.all_microphones(include_loopback=True) if m.isloopback]
    except Exception as err:
        log.warning("cannot list loopback devices: %s", err)
        return []


def server_source_exists(name: str) -> bool:
    """Whether the sound server (Linux) has a source of this name now."""
    if not sys.platform.startswith("linux"):
        return False
    from calmcue.audio import pulse

    return name in (pulse.source_infos() or {})


def alsa_pulse_pcms() -> dict[str, str]:
    """ALSA PCMs of type pulse that name a server source (`pcm.headset { type pulse; device "jabra_mic" }` in the
    user's or the system's ALSA configuration): PCM name -> source name. PortAudio lists such a PCM by its ALSA
    name only; this lets the menus show the source's description instead. Unreadable files count as empty."""
    home = Path.home()
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    out: dict[str, str] = {}
    for path in (Path("/etc/asound.conf"), config_home / "alsa" / "asoundrc", home / ".asoundrc"):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for match in _PCM_BLOCK.finditer(text):
            body = match.group(2)
            device = _PULSE_DEVICE.search(body)
            if re.search(r"\btype\s+\"?pulse\b", body) and device:
                out[match.group(1)] = device.group(1)
    return out


_PCM_BLOCK = re.compile(r"pcm\.\"?([\w-]+)\"?\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_PULSE_DEVICE = re.compile(r"\bdevice\s+\"?([^\"\s;}]+)")


def mic_server_source(mic: AudioDevice) -> str | None:
    """The sound-server source a PortAudio microphone is, for reading it through `parec` instead (Linux): "" for the
    server's default input (the ALSA PCMs in SERVER_PLUGINS), the source's name for an ALSA PCM of type pulse that
    names one (alsa_pulse_pcms), None for anything else - a plain ALSA hw device, another host API, no `parec` -
    which PortAudio opens as before. Whether a server answers is the caller's to ask (server_mic.mic_source asks
    it once, for the sources and their rates)."""
    if not sys.platform.startswith("linux") or mic.backend != PORTAUDIO or mic.description != "ALSA":
        return None
    source = "" if mic.name in SERVER_PLUGINS else alsa_pulse_pcms().get(mic.name)
    if source is None:
        return None
    import shutil

    return None if shutil.which("parec") is None else source


# --- choosing ---------------------------------------------------------------------------------------------------


def _pick(devices: list[AudioDevice], spec: str) -> AudioDevice | None:
    for d in devices:
        if spec in (d.id, d.name):
            return d
    spec_lower = spec.lower()
    partial = [d for d in devices if spec_lower in d.name.lower()]
    return partial[0] if len(partial) == 1 else None


def resolve_mic(spec: str) -> AudioDevice:
    """The microphone for --mic / settings audio.mic: "" = system default, else an id or (part of) a name."""
    mics = list_microphones()
    if not mics:
        raise DeviceError("no microphone found; plug in a headset (or check the sound server), then try again")
    if not spec:
        return next((d for d in mics if d.default), mics[0])
    chosen = _pick(mics, spec)
    if chosen is None:
        raise DeviceError(f"no microphone '{spec}'; run 'calmcue devices' to see the ids and names")
    return chosen


def resolve_call(spec: str) -> tuple[AudioDevice | None, str]:
    """The call audio: (device, "") or (None, why there is none). "" = the default playback device's monitor
    or loopback where there is one; "none" = none; else an id or name of a call source or of a microphone."""
    if spec.lower() == NONE:
        return None, "no call audio (--call none): running on the microphone only; talk-over needs the call audio"
    if not spec:
        calls = list_call_sources()
        chosen = next((d for d in calls if d.default), None)
        if chosen is None:
            return None, ("no call audio found (no playback monitor or loopback): running on the microphone only; "
                          "talk-over needs the call audio (calmcue devices lists what there is)")
        return chosen, ""
    chosen = _pick(list_microphones(), spec) or _pick(list_call_sources(), spec)
    if chosen is None and server_source_exists(spec):
        chosen = AudioDevice(id=spec, name=spec, kind=CALL, backend=SERVER, rate_hz=48000)
    if chosen is None:
        raise DeviceError(f"no call-audio source '{spec}'; run 'calmcue devices' to see the ids and names")
    return chosen, ""
