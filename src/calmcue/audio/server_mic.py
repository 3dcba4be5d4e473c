"""Which microphones are read through a `parec` child instead of PortAudio (Linux), and from which source; and
whether the pinned sources are there before a (re)open.

A microphone that is a sound-server source (the server's default input through the ALSA pulse plugin, or an ALSA
PCM of type pulse naming a source) costs less through a second `parec` child, like the call audio's, than through
PortAudio's thread plus the ALSA pulse plugin's threaded main loop (benchmarks/results/profiles/micgroup15.md).
PortAudio stays the path for everything else: another host API, a plain ALSA device, a PortAudio call audio (two
PortAudio streams start aligned by sample index), Windows, no `parec`, no server answering - and whenever a capture
was asked for by name (`--capture`/settings, or CALMCUE_CAPTURE=rtmixer|sounddevice): that is the fallback.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from calmcue.audio.rtcapture import Capture
from calmcue.audio.server_capture import ParecInput
from calmcue.audio.sources import DeviceAbsent
from calmcue.errors import DeviceError

if TYPE_CHECKING:
    from calmcue.audio.pulse import SourceInfo

log = logging.getLogger("calmcue.audio")

HEADSET_GONE = "headset disconnected - waiting for it"
SERVER_GONE = "the sound server is not answering - waiting for it"
CALL_GONE = "call audio disconnected - waiting for it"


def wanted(capture: Capture) -> bool:
    """Whether the microphone may go through parec: only when no PortAudio capture was asked for by name."""
    named = os.environ.get("CALMCUE_CAPTURE", "").strip().lower()
    return capture is Capture.AUTO and named in ("", Capture.AUTO)


def check_pinned(pin: Any) -> None:
    """After the first open (live.DevicePins set): the chosen devices must be there before anything is opened."""
    from calmcue.audio import pulse

    if not (pin.source or pin.call) or not pulse.available():
        return
    sources = pulse.source_infos()
    if sources is None:
        raise DeviceAbsent(SERVER_GONE)
    if pin.source and pin.source not in sources:
        raise DeviceAbsent(f"{HEADSET_GONE} ('{pin.source}')")
    if pin.call and pin.call not in sources:
        raise DeviceAbsent(f"{CALL_GONE} ('{pin.call}')")


def mic_source(mic: Any, *, pinned: str) -> SourceInfo | None:
    """The server source to read the microphone from through `parec`, or None for PortAudio (also when no server
    answers, as PortAudio then meets it): the pinned source when there is one (a reopen goes back to it), else the
    one the device names, else the server's default input. A monitor (what the speakers play) is refused as
    pulse.settle_mic refuses it. The server is asked once: the sources and their rates come in one answer."""
    from calmcue.audio import devices, pulse

    named = devices.mic_server_source(mic)
    if named is None:
        return None
    infos = pulse.source_infos()
    if infos is None:
        return None
    name = pinned or named or next((i.name for i in infos.values() if i.default), "")
    if pinned and name not in infos:
        raise DeviceAbsent(f"{HEADSET_GONE} ('{name}' is gone)")
    if name not in infos:
        raise DeviceError(f"cannot open '{mic.name}': the sound server has no source '{name or 'default'}'; "
                          f"plug in the headset or choose another microphone (calmcue devices)")
    if infos[name].monitor:
        raise DeviceError(f"no microphone: '{name}' is what a playback device plays, not a microphone; plug "
                          f"in the headset or choose a microphone (calmcue devices)")
    return infos[name]


def open_reader(mic: Any, *, pinned: str, capture: Capture) -> ParecInput | None:
    """The microphone's `parec` reader, started, where it is a server source and parec may read it (`wanted`);
    None where PortAudio is the path, or when the child cannot be started (logged: PortAudio reads it then)."""
    info = mic_source(mic, pinned=pinned) if wanted(capture) else None
    if info is None:
        return None
    source = info.name
    rate_hz = info.rate_hz or mic.rate_hz  # the source's own rate: no resampling in the server
    reader = ParecInput(source_id=source, name=mic.name, rate_hz=rate_hz, role="microphone")
    try:
        reader.start()
    except DeviceError as err:
        log.warning("the microphone through parec failed (%s); PortAudio reads it", err)
        return None
    log.info("microphone read by a parec child from server source '%s'", source or "default")
    return reader
