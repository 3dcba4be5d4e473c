"""The live streams' watchdog: a stream whose blocks stop coming is a lost device - unless its reader says it is
only waiting for a CPU on a busy machine (`held_up`, audio/runqueue.py), which is waited for a while instead."""

from __future__ import annotations

import logging
from typing import Any

from calmcue.audio.sources import DeviceLost

log = logging.getLogger("calmcue.audio")


class StreamWatchdog:
    """Remembers, per stream, when its block count last moved; `check` raises DeviceLost for a stream silent
    longer than SILENT_S (HELD_UP_MAX_S when its reader is held up by the machine: its source keeps recording,
    and a reopen would lose that audio and the other stream's too)."""

    SILENT_S = 1.5  # no block for this long: the device is gone (a loaded 2-core box stalls ~1 s) ...
    HELD_UP_MAX_S = 8.0  # ... unless its reader is only waiting for a CPU: then after this long

    def __init__(self) -> None:
        self._seen: dict[int, tuple[int, float]] = {}  # id(stream) -> (block count, when it last moved)
        self._held: set[int] = set()  # streams now silent but held up by a busy machine (logged once each)
        self.held_ups = 0  # how many such waits there were

    def started(self, stream: Any, *, now: float) -> None:
        self._seen[id(stream)] = (stream.ring.callbacks, now)

    def silent_s(self, stream: Any, *, now: float) -> float:
        """Seconds since the stream's last block (0 for a stream not started)."""
        seen = self._seen.get(id(stream))
        return now - seen[1] if seen is not None else 0.0

    def check(self, stream: Any, what: str, *, now: float) -> None:
        count, since = self._seen[id(stream)]
        if stream.ring.callbacks != count:
            self._seen[id(stream)] = (stream.ring.callbacks, now)
            self._held.discard(id(stream))
        elif not stream.idles and now - since > self.SILENT_S and not self._held_up(stream, what, now - since):
            raise DeviceLost(f"no audio from the {what} '{stream.name}' for {now - since:.1f} s",
                             silent_s=now - since)

    def _held_up(self, stream: Any, what: str, silent_s: float) -> bool:
        check = getattr(stream, "held_up", None)
        if check is None or silent_s > self.HELD_UP_MAX_S or not check():
            return False
        if id(stream) not in self._held:
            self._held.add(id(stream))
            self.held_ups += 1
            log.warning("the %s is %.1f s behind: the machine is busy and its reader waits for a CPU; waiting "
                        "for it rather than reopening (%d so far)", what, silent_s, self.held_ups)
        return True
