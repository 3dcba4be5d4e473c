"""Device names for the menus and the settings dialog (through calmcue.audio, the only code that touches audio
libraries). Listing asks PortAudio and the sound server, so results are cached for a few seconds."""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)

CACHE_S = 5.0
_cache: tuple[float, tuple[list[str], list[str]]] | None = None


def list_devices() -> tuple[list[str], list[str]]:
    """(microphone names, call-audio source names); empty lists when the audio system does not answer."""
    global _cache
    now = time.monotonic()
    if _cache is not None and now - _cache[0] < CACHE_S:
        return _cache[1]
    from calmcue.audio import devices
    from calmcue.errors import CalmCueError

    try:
        mics = _unique(d.name for d in devices.list_microphones())
    except CalmCueError as err:
        log.warning("cannot list microphones: %s", err)
        mics = []
    calls = _unique(d.name for d in devices.list_call_sources())
    _cache = (now, (mics, calls))
    return mics, calls


def _unique(names: object) -> list[str]:
    out: list[str] = []
    for name in names:  # type: ignore[attr-defined]
        if name not in out:
            out.append(name)
    return out
