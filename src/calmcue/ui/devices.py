"""Devices for the menus and the settings dialog, as (stored name, label) pairs: the setting keeps the stable
device name, the agent reads the desktop's name for it (through calmcue.audio, the only code that touches audio
libraries). Listing asks PortAudio and the sound server, so results are cached for a few seconds.

Only devices of the right kind are offered:
- as a microphone, never what a playback device plays: no monitor source, and no source made from one (a remap
  of the far end) unless it is the desktop's default input. The sound server itself ("pulse", "default") is
  "System default" already, so it is not listed again.
- as call audio, only monitors of playback devices (Linux) or loopbacks (Windows): audio/devices.py lists those.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable

from calmcue.audio.pulse import SourceInfo

log = logging.getLogger(__name__)

Choice = tuple[str, str]  # (the name the setting stores, the label the agent reads)
CACHE_S = 5.0
_cache: tuple[float, tuple[list[Choice], list[Choice]]] | None = None


def list_devices() -> tuple[list[Choice], list[Choice]]:
    """(microphones, call-audio sources) as (name, label); empty lists when the audio system does not answer."""
    global _cache
    now = time.monotonic()
    if _cache is not None and now - _cache[0] < CACHE_S:
        return _cache[1]
    from calmcue.audio import devices, pulse
    from calmcue.errors import CalmCueError

    sources = (pulse.source_infos() or {}) if pulse.available() else {}
    pcms = devices.alsa_pulse_pcms() if sources else {}
    try:
        mics = microphone_choices((d.name for d in devices.list_microphones()), sources=sources, pcms=pcms)
    except CalmCueError as err:
        log.warning("cannot list microphones: %s", err)
        mics = []
    devices.release_portaudio()  # its device scan's memory, unless a PortAudio stream is open (then it stays)
    calls = call_choices((d.name for d in devices.list_call_sources()), sources=sources)
    _cache = (now, (mics, calls))
    return mics, calls


def microphone_choices(names: Iterable[str], *, sources: dict[str, SourceInfo],
                       pcms: dict[str, str]) -> list[Choice]:
    """PortAudio input names -> the ones that are microphones, labelled with their server source's description
    where the name leads to one (the source itself, or an ALSA PCM that reads it)."""
    from calmcue.audio.devices import SERVER_PLUGINS

    out: list[Choice] = []
    for name in _unique(names):
        if name in SERVER_PLUGINS:
            continue
        info = sources.get(name) or sources.get(pcms.get(name, ""))
        if info is not None and not _is_microphone(info, sources):
            continue
        out.append((name, info.description if info is not None else name))
    return _distinct(out)


def call_choices(names: Iterable[str], *, sources: dict[str, SourceInfo]) -> list[Choice]:
    """Call-audio source names (monitors, loopbacks) labelled with their description where the server has one."""
    return _distinct([(name, sources[name].description if name in sources else name) for name in _unique(names)])


def _is_microphone(info: SourceInfo, sources: dict[str, SourceInfo]) -> bool:
    """Not a monitor, and not made from one (unless the desktop's default input is exactly that)."""
    if info.monitor:
        return False
    seen = {info.name}
    master = sources.get(info.master)
    while master is not None and master.name not in seen:
        if master.monitor:
            return info.default
        seen.add(master.name)
        master = sources.get(master.master)
    return True


def _distinct(choices: list[Choice]) -> list[Choice]:
    """Two devices the desktop describes alike get their names added, so the agent can tell them apart."""
    labels = [label for _, label in choices]
    return [(name, label if labels.count(label) == 1 or label == name else f"{label} ({name})")
            for name, label in choices]


def _unique(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        if name not in out:
            out.append(name)
    return out
