"""Commands from the UI to the worker (put them on `worker.commands` from any thread), and the worker's backoff.

Each command is a frozen dataclass, so it crosses threads as it is; `Command` is their union.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from dataclasses import dataclass

from calmcue.config.schema import Settings
from calmcue.detector.offsets import ThresholdOffsets

BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0, 10.0)  # waits between attempts to reopen a device that failed


@dataclass(frozen=True)
class Pause:
    """Close the microphone and stop measuring until Resume (Status "paused")."""


@dataclass(frozen=True)
class Resume:
    """Reopen the audio and measure again after Pause."""


@dataclass(frozen=True)
class Snooze:
    """Keep measuring but show no cues for `seconds` (0 ends a snooze)."""

    seconds: float


@dataclass(frozen=True)
class Recalibrate:
    """Forget the agent's baseline and learn it again from the next speech (Status "calibrating")."""


@dataclass(frozen=True)
class Reload:
    """Use new settings (keeps the agent's baseline; reopens the audio if the devices changed)."""

    settings: Settings


@dataclass(frozen=True)
class SelectDevices:
    """Capture from these devices (names or ids as `calmcue devices` lists them; "" = system default)."""

    mic: str
    call: str


@dataclass(frozen=True)
class NewCall:
    """The agent says a new call begins (mic-only setups): the call so far ends now with its summary."""


@dataclass(frozen=True)
class SetThresholdOffsets:
    """The agent's nudges (ui/nudge.py): each cue kind's enter threshold this much higher than the settings say,
    from the next frame on (replaces the offsets sent before; all zero = none). Kept across Reload and restarts."""

    offsets: ThresholdOffsets


@dataclass(frozen=True)
class SetMeters:
    """Live meters on (a window shows them: a Meter per 50 ms of audio) or off (one a second, for the tray's own
    state). The worker starts with them on unless told otherwise (`Worker(meters=False)`)."""

    on: bool


@dataclass(frozen=True)
class Stop:
    """End the worker thread (the same as `worker.stop()`)."""


Command = (Pause | Resume | Snooze | Recalibrate | Reload | SelectDevices | NewCall | SetThresholdOffsets | SetMeters
           | Stop)


class CommandQueue(queue.Queue[Command]):
    """The worker's commands. `put` also calls `wake` (the open source's `interrupt`, when it has one), so that a
    command sent while the worker waits through a long quiet read is obeyed now, not when the read ends."""

    wake: Callable[[], None] | None = None

    def put(self, item: Command, block: bool = True, timeout: float | None = None) -> None:
        super().put(item, block, timeout)
        wake = self.wake
        if wake is not None:
            wake()


class Backoff:
    """Waits that grow with each failed attempt (`delays_s`, the last repeating), back to the first after a
    success."""

    def __init__(self, delays_s: tuple[float, ...] = BACKOFF_S) -> None:
        self.delays_s = delays_s
        self.attempt = 0

    def next_s(self) -> float:
        delay = self.delays_s[min(self.attempt, len(self.delays_s) - 1)]
        self.attempt += 1
        return delay

    def reset(self) -> None:
        self.attempt = 0
