"""Messages from the worker thread to whoever shows them (tray app, terminal monitor, tests).

Every message is a frozen dataclass, so it can cross threads as it is. The worker `post`s; the UI `drain`s
(the tray app from a QTimer, the monitor from its loop). The mailbox never blocks the worker: when nobody drains
it, the oldest meters are dropped first; cues, episodes and statuses are kept (up to a hard cap).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from calmcue.detector.calls import CallSummary
from calmcue.detector.events import Cue, Episode


class EngineState(StrEnum):
    """Status.state values. The UI maps each to an icon/tooltip; `detail` is one human line (what, and what to do)."""

    STARTING = "starting"  # the worker thread is opening the audio source
    LISTENING = "listening"  # audio flows, the agent's baseline is known, cues can fire
    CALIBRATING = "calibrating"  # audio flows, the agent's baseline is still being learned (Meter.agent_calibration)
    PAUSED = "paused"  # the user paused: the microphone is closed, nothing is measured
    NO_MICROPHONE = "no_microphone"  # no microphone could be opened; the worker retries with backoff
    NO_CALL_AUDIO = "no_call_audio"  # said once: running mic-only (talk-over needs the call audio); audio flows
    DEVICE_LOST = "device_lost"  # a device was unplugged/moved/the sound server went away; retrying with backoff
    ERROR = "error"  # an unexpected exception in the worker; it is logged and the worker restarts itself
    ON_HOLD = "on_hold"  # music on the call channel (the activity model hears hold music): no cues until it ends
    FINISHED = "finished"  # a finite source (a file) ended, or the worker stopped; the thread is ending


# the short names the worker and the monitor import
STARTING, LISTENING, CALIBRATING = EngineState.STARTING, EngineState.LISTENING, EngineState.CALIBRATING
PAUSED, NO_MICROPHONE, NO_CALL_AUDIO = EngineState.PAUSED, EngineState.NO_MICROPHONE, EngineState.NO_CALL_AUDIO
DEVICE_LOST, ERROR, FINISHED = EngineState.DEVICE_LOST, EngineState.ERROR, EngineState.FINISHED
ON_HOLD = EngineState.ON_HOLD
STATES = tuple(EngineState)

MAX_MESSAGES = 5000  # about 4 minutes of meters at 20 per second, when nobody drains


@dataclass(frozen=True)
class Meter:
    """Live meter values, about 20 per second. Per channel (0 = agent mic, 1 = call audio when present)."""

    t_s: float  # engine time (seconds of audio since the worker started; continuous across reconnects)
    level_dbfs: tuple[float, ...]  # latest 10 ms frame level per channel, -100 = silence
    speech: tuple[bool, ...]  # voice activity per channel in that frame
    agent_calibration: float  # 0..1; 1 = the agent's baseline is known
    agent_level_over_db: float  # the agent's level above their baseline (NaN while unknown)
    in_call: bool  # cues can fire only in a call
    muted: bool  # the microphone delivers exact zeros (muted)
    mic_too_loud: bool = False  # much of the agent's voicing clips: their mic input gain is too high


@dataclass(frozen=True)
class CueMessage:
    """A cue to show now (already past cooldowns, caps, the call/mute gates and any snooze)."""

    cue: Cue


@dataclass(frozen=True)
class EpisodeMessage:
    """An episode that has just ended (for history/logs; episodes are not shown as cues)."""

    episode: Episode


@dataclass(frozen=True)
class CallMessage:
    """A call has ended: its summary (numbers only) for the agent's card, history and team counts."""

    summary: CallSummary


@dataclass(frozen=True)
class Status:
    """The worker's state changed; `detail` is one line for the user."""

    state: EngineState
    detail: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", EngineState(self.state))  # a plain string is checked and named


@dataclass(frozen=True)
class Stats:
    """Counters, about once a second: blocks dropped (ring full), device overflows, 10 ms frames analysed."""

    dropped_blocks: int
    overflows: int
    frames: int
    restarts: int = 0  # how often the worker restarted after an exception
    latency_p50_ms: float = float("nan")  # callback -> features, over the last few seconds
    latency_p99_ms: float = float("nan")


Message = Meter | CueMessage | EpisodeMessage | Status | Stats | CallMessage


class Mailbox:
    """Thread-safe, non-blocking message box: the worker posts, the UI drains everything in order."""

    def __init__(self, *, max_messages: int = MAX_MESSAGES) -> None:
        self._items: deque[Message] = deque()
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._max = max_messages
        self.dropped_meters = 0

    def post(self, message: Message) -> None:
        """Adds a message; never blocks for long (a short lock, never held while calling out)."""
        with self._lock:
            self._items.append(message)
            if len(self._items) > self._max:
                self._drop_oldest_meter()
        self._ready.set()

    def drain(self) -> list[Message]:
        """All messages posted since the last drain, oldest first."""
        with self._lock:
            items = list(self._items)
            self._items.clear()
            self._ready.clear()
        return items

    def wait(self, timeout_s: float | None = None) -> bool:
        """Blocks until something was posted or `wake` was called (True), or `timeout_s` passed (False; None:
        no time limit). A consumer thread sleeps here instead of polling."""
        return self._ready.wait(timeout_s)

    def wake(self) -> None:
        """Ends a `wait` without a message (the consumer is stopping, or follows another mailbox)."""
        self._ready.set()

    def _drop_oldest_meter(self) -> None:
        for i, item in enumerate(self._items):
            if isinstance(item, Meter | Stats):
                del self._items[i]
                self.dropped_meters += 1
                return
        self._items.popleft()  # nothing but events: the oldest goes (nobody has drained for a very long time)
